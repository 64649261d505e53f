package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/server"
	"github.com/llxprt/llxprt-ls/server/lsp"
	"github.com/llxprt/llxprt-ls/server/mcp"
)

// runLSP serves LSP on stdin/stdout; the exit code follows the spec (0
// after shutdown then exit, 1 otherwise).
func runLSP(ctx context.Context, g *global, args []string, io stdio) error {
	return runServer(ctx, g, "lsp", args, io, serveLSP)
}

// runMCP serves MCP on stdin/stdout until stdin ends.
func runMCP(ctx context.Context, g *global, args []string, io stdio) error {
	return runServer(ctx, g, "mcp", args, io, serveMCP)
}

// frontEnd serves one protocol on stdin/stdout over a ready Service.
type frontEnd func(ctx context.Context, svc *server.Service, io stdio, log zerolog.Logger) error

// runServer parses the serving flags, then serves with fe.
func runServer(ctx context.Context, g *global, name string, args []string, io stdio, fe frontEnd) error {
	var sf serveFlags
	fs := newFlagSet(name, io.err)
	sf.add(fs)
	// vscode-languageclient appends --stdio to the command line of a server
	// declared with TransportKind.stdio, and other clients follow it; stdio
	// is the only transport, so the flag is accepted and changes nothing.
	fs.Bool("stdio", true, "accepted for clients that add it; stdio is the only transport")
	if _, err := g.parse(fs, args); err != nil {
		return err
	}
	return serve(ctx, g, sf, io, fe)
}

// serve opens the log (stderr or --log-file, never stdout) and the Service
// every front end shares, and runs fe until the client goes away.
func serve(ctx context.Context, g *global, sf serveFlags, io stdio, fe frontEnd) error {
	log, closeLog, err := g.logger(io.err, "info")
	if err != nil {
		return err
	}
	defer closeLog()
	svc, done, err := g.service(ctx, sf, log, true)
	if err != nil {
		return err
	}
	defer done()
	return fe(ctx, svc, io, log)
}

func serveLSP(ctx context.Context, svc *server.Service, io stdio, log zerolog.Logger) error {
	code, err := lsp.Serve(ctx, svc, io.in, io.out, log)
	if err != nil {
		log.Error().Err(err).Msg("lsp ended")
	}
	if code != 0 {
		return exitError(code)
	}
	return nil
}

func serveMCP(ctx context.Context, svc *server.Service, io stdio, log zerolog.Logger) error {
	return mcp.Serve(ctx, svc, io.in, io.out, log)
}

// runBare picks the protocol from the first bytes on a piped stdin:
// "Content-Length:" (LSP's header) or "{" (MCP's newline-delimited JSON).
// With a terminal on stdin there is nobody speaking either: print help.
func runBare(ctx context.Context, g *global, io stdio) error {
	if isTerminal(io.in) {
		fmt.Fprint(io.out, usage)
		return nil
	}
	br := bufio.NewReader(io.in)
	proto, err := sniff(br)
	if err != nil {
		return err
	}
	io.in = br
	if proto == "lsp" {
		return serve(ctx, g, serveFlags{}, io, serveLSP)
	}
	return serve(ctx, g, serveFlags{}, io, serveMCP)
}

// sniff peeks past leading white space at the first byte without consuming it.
func sniff(br *bufio.Reader) (string, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("%w: stdin ended before any request; start llxprt-ls from an editor (lsp) or an MCP client (mcp)", errUsage)
			}
			return "", err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		case '{':
			return "mcp", nil
		case 'C', 'c':
			return "lsp", nil
		}
		return "", fmt.Errorf("%w: stdin starts with %q, neither an LSP header (Content-Length:) nor MCP JSON ({); run \"llxprt-ls lsp\" or \"llxprt-ls mcp\"", errUsage, b[0])
	}
}
