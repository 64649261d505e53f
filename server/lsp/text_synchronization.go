package lsp

import (
	"context"

	"go.lsp.dev/protocol"
)

// DidOpen stores the document. Its languageId is kept for code actions; an
// empty one (Neovim without filetype detection) is guessed from the extension.
func (s *langServer) DidOpen(ctx context.Context, params *protocol.DidOpenTextDocumentParams) error {
	td := params.TextDocument
	s.docs.open(newDocument(td.URI, string(td.LanguageID), td.Version, td.Text))
	return nil
}

// DidChange applies incremental (or whole-document) changes in order. It runs
// inline on the read loop, so changes are never reordered.
func (s *langServer) DidChange(ctx context.Context, params *protocol.DidChangeTextDocumentParams) error {
	return s.docs.change(params.TextDocument.URI, params.TextDocument.Version, params.ContentChanges)
}

func (s *langServer) DidClose(ctx context.Context, params *protocol.DidCloseTextDocumentParams) error {
	s.docs.close(params.TextDocument.URI)
	return nil
}
