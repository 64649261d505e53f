package mcp

import (
	"context"
	"strings"
	"sync"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// coalesce is the longest streamed text waits before it goes out as a
// progress notification: one notification per token would flood the client
// with tiny messages.
const coalesce = 20 * time.Millisecond

// progress sends a call's streamed text as notifications/progress on the
// call's progress token: "progress" counts the characters so far (it must
// grow), "message" carries the new text. Without a token it does nothing.
type progress struct {
	h     *handler
	ctx   context.Context
	token mcpgo.ProgressToken

	mu      sync.Mutex
	pending strings.Builder
	total   int
	timer   *time.Timer
	closed  bool
}

func (h *handler) progress(ctx context.Context, req mcpgo.CallToolRequest) *progress {
	p := &progress{h: h, ctx: ctx}
	if req.Params.Meta != nil {
		p.token = req.Params.Meta.ProgressToken
	}
	return p
}

// add takes one delta; it is called from the request's goroutine.
func (p *progress) add(text string) {
	if p.token == nil || text == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.pending.WriteString(text)
	p.total += len([]rune(text))
	if p.timer == nil {
		p.timer = time.AfterFunc(coalesce, p.flush)
	}
}

// flush sends what is pending.
func (p *progress) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendLocked()
}

func (p *progress) sendLocked() {
	p.timer = nil
	if p.pending.Len() == 0 {
		return
	}
	msg := p.pending.String()
	p.pending.Reset()
	if p.ctx.Err() != nil {
		return // the caller is gone; nobody wants the rest
	}
	if err := p.h.notify(string(mcpgo.MethodNotificationProgress), map[string]any{
		"progressToken": p.token,
		"progress":      p.total,
		"message":       msg,
	}); err != nil {
		p.h.log.Debug().Err(err).Msg("mcp: progress not sent")
	}
}

// close sends the rest synchronously, so every progress notification goes
// out before the result.
func (p *progress) close() {
	if p.token == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
	}
	p.sendLocked()
	p.closed = true
}
