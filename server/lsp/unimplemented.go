package lsp

import (
	"context"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// Every other protocol.Server method comes from the embedded
// protocol.UnimplementedServer and answers MethodNotFound, which the guard
// rewords as "lsp: method … is not supported".

// Notifications the server accepts and has nothing to do for.
func (s *langServer) SetTrace(context.Context, *protocol.SetTraceParams) error { return nil }
func (s *langServer) WorkDoneProgressCancel(context.Context, *protocol.WorkDoneProgressCancelParams) error {
	return nil
}
func (s *langServer) DidSave(context.Context, *protocol.DidSaveTextDocumentParams) error { return nil }
func (s *langServer) DidChangeConfiguration(context.Context, *protocol.DidChangeConfigurationParams) error {
	return nil
}
func (s *langServer) DidChangeWatchedFiles(context.Context, *protocol.DidChangeWatchedFilesParams) error {
	return nil
}
func (s *langServer) DidChangeWorkspaceFolders(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error {
	return nil
}

// Request serves non-standard methods that reach protocol.ServerHandler; the
// llxprt/* ones are routed before it, so anything here is unknown.
func (s *langServer) Request(ctx context.Context, method string, _ any) (any, error) {
	return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "lsp: method %q is not supported", method)
}
