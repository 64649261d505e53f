// This file only fences the extension off from the Go module above it: npm
// packages under node_modules ship stray Go files (flatted does), and without
// a module boundary here `go test ./...` and `go vet ./...` would pick them up.
module github.com/llxprt/llxprt-ls/editors/vscode

go 1.26
