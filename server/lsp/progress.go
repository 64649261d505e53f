package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// createTimeout bounds window/workDoneProgress/create: a client that never
// answers must not hold up the request.
const createTimeout = 5 * time.Second

// progress is one work-done progress: begin, then end, both sent on a
// context that outlives the request so "end" goes out even after a cancel.
// Without a token (the client neither gave one nor supports
// window/workDoneProgress) it does nothing: status notifications still say
// the server is busy.
type progress struct {
	s     *langServer
	ctx   context.Context
	token json.RawMessage
}

// beginProgress starts work-done progress on the client's token, or on one
// the server creates when the client supports it. The caller must have
// released the read loop (jsonrpc2.Async): creating a token is a call to the
// client.
func (s *langServer) beginProgress(ctx context.Context, clientToken json.RawMessage, title string) *progress {
	p := &progress{s: s, ctx: context.WithoutCancel(ctx)}
	token := clientToken
	if len(token) == 0 {
		if !s.capabilities().workDoneProgress {
			return p
		}
		token = json.RawMessage(strconv.Quote(fmt.Sprintf("llxprt-%d", s.tokens.Add(1))))
		cctx, cancel := context.WithTimeout(ctx, createTimeout)
		defer cancel()
		params := struct {
			Token json.RawMessage `json:"token"`
		}{token}
		if err := protocol.Call(cctx, s.conn, protocol.MethodWindowWorkDoneProgressCreate, rawJSON(params), nil); err != nil {
			s.log.Debug().Err(err).Msg("window/workDoneProgress/create failed; no progress shown")
			return p
		}
	}
	p.token = token
	s.progressValue(p.ctx, token, struct {
		Kind        string `json:"kind"`
		Title       string `json:"title"`
		Cancellable bool   `json:"cancellable"`
	}{"begin", title, false})
	return p
}

func (p *progress) end(message string) {
	if p.token == nil {
		return
	}
	p.s.progressValue(p.ctx, p.token, struct {
		Kind    string `json:"kind"`
		Message string `json:"message,omitempty"`
	}{"end", message})
}

func endMessage(err error) string {
	if err != nil {
		return "failed"
	}
	return "done"
}

// progressValue sends $/progress {token, value}.
func (s *langServer) progressValue(ctx context.Context, token json.RawMessage, value any) {
	s.notify(ctx, protocol.MethodProgress, struct {
		Token json.RawMessage `json:"token"`
		Value any             `json:"value"`
	}{token, value})
}

// notify sends a notification whose params are encoded with encoding/json,
// so the service's types go out exactly as their tags say.
func (s *langServer) notify(ctx context.Context, method string, params any) {
	if err := s.conn.Notify(ctx, method, rawJSON(params)); err != nil {
		s.log.Debug().Err(err).Str("method", method).Msg("notification not sent")
	}
}

// rawJSON encodes v with encoding/json for the codec to pass through.
func rawJSON(v any) jsonrpc2.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the package's own types reach here, and they all encode.
		panic(fmt.Sprintf("lsp: encoding %T: %v", v, err))
	}
	return b
}
