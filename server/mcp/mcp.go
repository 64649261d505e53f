// Package mcp is the MCP front end of llxprt-ls: [Serve] answers an MCP
// client (Claude Desktop, an agent, the MCP Inspector) over stdio with the
// tools chat, consensus, code_action, profile_list, profile_show,
// profile_load, profile_save, provider_status and list_models, and the
// resources llxprt://profiles, llxprt://profiles/{name} and llxprt://status.
// Every tool is a thin translation onto server.Service.
//
// It is built on github.com/mark3labs/mcp-go: requests are served
// concurrently (tool calls on a raised worker pool), notifications/cancelled
// cancels the provider call, streamed text goes out as coalesced progress
// notifications when the call carries a progress token, and failovers are
// sent as logging notifications.
package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"sync"
	"sync/atomic"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/server"
)

// workers is how many tool calls run at once (mcp-go's default is 5, too
// few when an agent fans out consensus and chat calls).
const workers = 32

const instructions = `llxprt-ls routes every prompt through a load balancer over several LLM providers ` +
	`(Anthropic, OpenAI, Gemini, Qwen, any OpenAI-compatible server), failing over when one is down, rate-limited or slow. ` +
	`Use "chat" for a conversation (pass session_id back to continue it; sessions are shared with the user's editor), ` +
	`"consensus" for several providers' opinions at once, "code_action" to fix/refactor/document/test/explain code, ` +
	`"provider_status" to see which providers work, and the profile_* tools to switch or edit the routing profile.`

// Serve answers MCP requests on in/out until in ends or ctx is cancelled.
// Logs go to logger, never to out.
func Serve(ctx context.Context, svc *server.Service, in io.Reader, out io.Writer, logger zerolog.Logger) error {
	// Progress notifications are written straight to out, under the same
	// lock as mcp-go's own writes (each of its messages is one Write), so
	// they always precede the result they belong to; mcp-go's notification
	// queue is drained by another goroutine and could lose that race.
	lw := &lockedWriter{w: out}
	h := &handler{svc: svc, log: logger, out: lw}
	h.srv = mcpserver.NewMCPServer("llxprt-ls", server.Version(),
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithResourceCapabilities(false, false),
		mcpserver.WithLogging(),
		mcpserver.WithRecovery(),
		mcpserver.WithInstructions(instructions),
	)
	h.addTools()
	h.addResources()

	std := mcpserver.NewStdioServer(h.srv)
	mcpserver.WithWorkerPoolSize(workers)(std)
	// mcp-go only takes a *log.Logger for its own errors; this one writes
	// into zerolog (stderr or the log file), never stdout.
	std.SetErrorLogger(log.New(logWriter{logger}, "", 0))
	sessCtx := make(chan context.Context, 1)
	std.SetContextFunc(func(c context.Context) context.Context {
		sessCtx <- c
		return c
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go h.forwardEvents(ctx, sessCtx)
	logger.Info().Str("version", server.Version()).Msg("mcp: serving on stdio")
	err := std.Listen(ctx, h.screen(in, maxMessage), lw)
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// handler holds what the tool and resource handlers share.
type handler struct {
	svc *server.Service
	srv *mcpserver.MCPServer
	log zerolog.Logger
	out *lockedWriter
	// modern is set once a request arrives in the 2026-07-28 protocol,
	// whose logging is per request (see logging.go).
	modern atomic.Bool
}

// lockedWriter serializes whole messages onto the protocol stream.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// notify writes one JSON-RPC notification as one line.
func (h *handler) notify(method string, params any) error {
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("mcp: encode %s: %w", method, err)
	}
	_, err = h.out.Write(append(b, '\n'))
	return err
}

// logWriter adapts zerolog to the io.Writer a *log.Logger wants.
type logWriter struct{ l zerolog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.Warn().Str("component", "mcp-go").Msg(string(trimNL(p)))
	return len(p), nil
}

func trimNL(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}
