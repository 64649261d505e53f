package mcp

import (
	"context"
	"sync"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/llxprt/llxprt-ls/server"
)

// progress sends a call's streamed text as notifications/progress on the
// call's progress token, batched by a [server.Coalescer] (the first piece at
// once, then at most one notification per interval): "progress" counts the
// characters so far (it must grow), "message" carries the new text. Without
// a token it does nothing.
type progress struct {
	h     *handler
	ctx   context.Context
	token mcpgo.ProgressToken
	c     *server.Coalescer

	totalMu sync.Mutex
	total   int
}

func (h *handler) progress(ctx context.Context, req mcpgo.CallToolRequest) *progress {
	p := &progress{h: h, ctx: ctx}
	if req.Params.Meta != nil {
		p.token = req.Params.Meta.ProgressToken
	}
	if p.token != nil {
		p.c = server.NewCoalescer(server.CoalesceInterval, p.send)
	}
	return p
}

// add takes one delta; it is called from the request's goroutine.
func (p *progress) add(text string) {
	if p.c != nil {
		p.c.Add(text)
	}
}

// send writes one notification; the Coalescer never runs two at once.
func (p *progress) send(msg string) {
	p.totalMu.Lock()
	p.total += len([]rune(msg))
	total := p.total
	p.totalMu.Unlock()
	if p.ctx.Err() != nil {
		return // the caller is gone; nobody wants the rest
	}
	if err := p.h.notify(string(mcpgo.MethodNotificationProgress), map[string]any{
		"progressToken": p.token,
		"progress":      total,
		"message":       msg,
	}); err != nil {
		p.h.log.Debug().Err(err).Msg("mcp: progress not sent")
	}
}

// close sends the rest synchronously, so every progress notification goes
// out before the result.
func (p *progress) close() {
	if p.c != nil {
		p.c.Close()
	}
}
