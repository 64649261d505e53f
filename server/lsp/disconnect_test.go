package lsp

import (
	"context"
	"io"
	"testing"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/server"
)

// When the editor goes away mid-chat (its end of stdin closes, stdout stays
// writable, as when the editor process dies), the chat's provider call is
// cancelled and Serve returns: nothing keeps running for a client that left.
func TestInputEndCancelsRunningChat(t *testing.T) {
	b := newFake()
	started := make(chan struct{})
	stopped := make(chan struct{})
	b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
		close(started)
		<-ctx.Done()
		close(stopped)
		return nil, ctx.Err()
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan result, 1)
	go func() {
		code, err := Serve(t.Context(), b, inR, outW, zerolog.New(zerolog.NewTestWriter(t)))
		done <- result{code, err}
	}()
	c := newRawClient(t, outR, inW)
	c.mustCall("initialize", initParams(true, false, false, nil), nil)
	c.notify("initialized", map[string]any{})
	c.start("llxprt/chat", map[string]any{"prompt": "hang"})
	<-started
	inW.Close()
	select {
	case <-stopped:
	case <-timeAfter():
		t.Fatal("the chat's context was not cancelled after the input ended")
	}
	select {
	case r := <-done:
		if r.code != 1 {
			t.Errorf("Serve = %d, %v; want exit code 1", r.code, r.err)
		}
	case <-timeAfter():
		t.Fatal("Serve did not return after the input ended")
	}
	outR.Close()
}
