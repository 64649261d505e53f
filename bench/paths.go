package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/e2e"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/providers"
)

// runner sends one streamed chat and reports the time to the first text
// and to the end.
type runner interface {
	do(ctx context.Context) (ttft, total time.Duration, err error)
}

// direct is path (a): openai-go straight to the fake, the floor every other
// path is compared with.
type direct struct{ c openai.Client }

func newDirect(url string) *direct {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 512, 256
	return &direct{c: openai.NewClient(option.WithBaseURL(url+"/v1"), option.WithAPIKey("sk-bench"),
		option.WithMaxRetries(0), option.WithHTTPClient(&http.Client{Transport: t}))}
}

func (d *direct) do(ctx context.Context) (ttft, total time.Duration, err error) {
	start := time.Now()
	s := d.c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4.1",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("bench")},
	})
	defer s.Close()
	for s.Next() {
		if ch := s.Current(); ttft == 0 && len(ch.Choices) > 0 && ch.Choices[0].Delta.Content != "" {
			ttft = time.Since(start)
		}
	}
	return ttft, time.Since(start), s.Err()
}

// inProcess is path (b): the balancer built from the same profile document
// the binary loads, called in-process.
type inProcess struct{ lb *balancer.Balancer }

func newInProcess(ctx context.Context, doc map[string]any) (*inProcess, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	p, err := profile.Parse(b, "bench.json")
	if err != nil {
		return nil, fmt.Errorf("bench: profile: %w", err)
	}
	built, err := profile.Build(ctx, p, profile.BuildOptions{Name: "bench"})
	if err != nil {
		return nil, fmt.Errorf("bench: build: %w", err)
	}
	return &inProcess{lb: built.Balancer}, nil
}

func (b *inProcess) do(ctx context.Context) (ttft, total time.Duration, err error) {
	start := time.Now()
	req := &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "bench"}}}
	for ev, err := range b.lb.Stream(ctx, req) {
		if err != nil {
			return ttft, time.Since(start), err
		}
		if ev.Kind == providers.EventText && ttft == 0 {
			ttft = time.Since(start)
		}
	}
	return ttft, time.Since(start), nil
}

// stdio is paths (c) and (d): the built binary over its stdin/stdout, with
// the streamed text requested as progress so the first token is seen.
type stdio struct {
	p    *e2e.Proc
	mode string
	seq  atomic.Int64

	mu     sync.Mutex
	firsts map[string]chan time.Time // progress token → first arrival
}

func newStdio(ctx context.Context, bin, mode, cfg string) (*stdio, error) {
	framing := e2e.LSP
	if mode == "mcp" {
		framing = e2e.MCP
	}
	p, err := e2e.Start(bin, framing, []string{"--config-dir", cfg, "--log-level", "error", mode})
	if err != nil {
		return nil, err
	}
	s := &stdio{p: p, mode: mode, firsts: map[string]chan time.Time{}}
	p.SetNotify(s.note)
	if mode == "mcp" {
		_, err = p.InitMCP(ctx)
	} else {
		_, err = p.InitLSP(ctx)
	}
	if err != nil {
		_ = p.Close(2 * time.Second)
		return nil, fmt.Errorf("bench: %s initialize: %w\n%s", mode, err, p.Stderr())
	}
	return s, nil
}

// note records the arrival of a request's first streamed piece.
func (s *stdio) note(m e2e.Message) {
	var tok string
	switch m.Method {
	case "$/progress":
		var p struct {
			Token json.RawMessage `json:"token"`
		}
		_ = json.Unmarshal(m.Params, &p)
		tok = string(p.Token)
	case "notifications/progress":
		var p struct {
			Token json.RawMessage `json:"progressToken"`
		}
		_ = json.Unmarshal(m.Params, &p)
		tok = string(p.Token)
	default:
		return
	}
	now := time.Now()
	s.mu.Lock()
	ch := s.firsts[tok]
	delete(s.firsts, tok)
	s.mu.Unlock()
	if ch != nil {
		ch <- now
	}
}

func (s *stdio) do(ctx context.Context) (ttft, total time.Duration, err error) {
	tok := "b" + strconv.FormatInt(s.seq.Add(1), 10)
	first := make(chan time.Time, 1)
	s.mu.Lock()
	s.firsts[strconv.Quote(tok)] = first
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.firsts, strconv.Quote(tok))
		s.mu.Unlock()
	}()
	var method string
	var params any
	if s.mode == "mcp" {
		method = "tools/call"
		params = map[string]any{"name": "chat", "arguments": map[string]any{"prompt": "bench"}, "_meta": map[string]any{"progressToken": tok}}
	} else {
		method = "llxprt/chat"
		params = map[string]any{"prompt": "bench", "partialResultToken": tok}
	}
	start := time.Now()
	raw, err := s.p.Call(ctx, method, params)
	total = time.Since(start)
	if err == nil && s.mode == "mcp" {
		var r struct {
			IsError bool `json:"isError"`
		}
		if json.Unmarshal(raw, &r) == nil && r.IsError {
			err = fmt.Errorf("bench: chat tool failed: %s", raw)
		}
	}
	select {
	case at := <-first:
		ttft = at.Sub(start)
	default:
	}
	return ttft, total, err
}

func (s *stdio) close() { _ = s.p.Close(5 * time.Second) }
