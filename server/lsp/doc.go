// Package lsp is the Language Server Protocol front end of llxprt-ls: it
// speaks LSP 3.18 over stdio (go.lsp.dev/protocol v1 on go.lsp.dev/jsonrpc2
// v1) and turns editor requests into calls on a [Backend], which
// *server.Service implements. The entry point is [Serve].
//
// It offers incremental text sync (UTF-16 positions), code actions listed
// without calling a model and run in codeAction/resolve (or through the
// llxprt.applyCodeAction command for clients without resolve support),
// workspace/executeCommand, and the custom llxprt/* requests (chat with
// streamed $/progress, profiles, status) and the llxprt/didChangeStatus
// notification. Handlers are thin, one file per feature, as in gopls.
package lsp
