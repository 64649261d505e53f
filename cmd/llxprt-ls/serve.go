package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/llxprt/llxprt-ls/server/lsp"
	"github.com/llxprt/llxprt-ls/server/mcp"
)

// runLSP serves LSP on stdin/stdout; the exit code follows the spec (0
// after shutdown then exit, 1 otherwise).
func runLSP(ctx context.Context, g *global, args []string, io stdio) error {
	var sf serveFlags
	fs := newFlagSet("lsp", io.err)
	sf.add(fs)
	if _, err := g.parse(fs, args); err != nil {
		return err
	}
	return serveLSP(ctx, g, sf, io)
}

func serveLSP(ctx context.Context, g *global, sf serveFlags, io stdio) error {
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
	code, err := lsp.Serve(ctx, svc, io.in, io.out, log)
	if err != nil {
		log.Error().Err(err).Msg("lsp ended")
	}
	if code != 0 {
		return exitError(code)
	}
	return nil
}

// runMCP serves MCP on stdin/stdout until stdin ends.
func runMCP(ctx context.Context, g *global, args []string, io stdio) error {
	var sf serveFlags
	fs := newFlagSet("mcp", io.err)
	sf.add(fs)
	if _, err := g.parse(fs, args); err != nil {
		return err
	}
	return serveMCP(ctx, g, sf, io)
}

func serveMCP(ctx context.Context, g *global, sf serveFlags, io stdio) error {
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
		return serveLSP(ctx, g, serveFlags{}, io)
	}
	return serveMCP(ctx, g, serveFlags{}, io)
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
