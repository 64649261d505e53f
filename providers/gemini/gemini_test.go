package gemini

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func newServer(t testing.TB) *providertest.Server {
	t.Helper()
	srv := providertest.NewGemini()
	t.Cleanup(srv.Close)
	return srv
}

// newClient builds a client whose idle connections close with the test.
func newClient(t testing.TB, cfg providers.Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func hello(model string) *providers.Request {
	return &providers.Request{Model: model, Messages: []providers.Message{{Role: providers.RoleUser, Content: "Say hello."}}}
}

// collect ranges over a stream; it fails the test if anything follows an
// error or if an error is not a *providers.Error.
func collect(t testing.TB, seq iter.Seq2[providers.Event, error]) ([]providers.Event, *providers.Error) {
	t.Helper()
	var evs []providers.Event
	var perr *providers.Error
	for ev, err := range seq {
		if perr != nil {
			t.Fatalf("event after error %v: %+v, %v", perr, ev, err)
		}
		if err != nil {
			if !errors.As(err, &perr) || perr == nil {
				t.Fatalf("error is %T, want *providers.Error: %v", err, err)
			}
			continue
		}
		evs = append(evs, ev)
	}
	return evs, perr
}

func TestStreamEvents(t *testing.T) {
	srv := newServer(t)
	srv.Push(providertest.Script{
		Thinking: []string{"Let me think."},
		Text:     []string{"Hel", "lo", " world"},
		Usage:    providers.Usage{InputTokens: 12, OutputTokens: 3, CachedTokens: 4},
	})
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "test-key"})
	evs, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []providers.Event{
		{Kind: providers.EventThinking, Text: "Let me think."},
		{Kind: providers.EventText, Text: "Hel"},
		{Kind: providers.EventText, Text: "lo"},
		{Kind: providers.EventText, Text: " world"},
		// Output is candidatesTokenCount 3 + thoughtsTokenCount 3 (13 bytes of thinking / 4).
		{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 12, OutputTokens: 6, CachedTokens: 4}},
		{Kind: providers.EventDone, Text: "STOP"},
	}
	if d := cmp.Diff(want, evs); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if c.Name() != "gemini" {
		t.Errorf("Name() = %q, want gemini", c.Name())
	}
}

func TestEarlyBreakReleasesStream(t *testing.T) {
	srv := newServer(t)
	srv.Push(providertest.Script{Text: strings.Split(strings.Repeat("x", 200), ""), Delay: 5 * time.Millisecond})
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	for ev, err := range c.Stream(t.Context(), hello("gemini-2.5-flash")) {
		if err != nil || ev.Kind != providers.EventText {
			t.Fatalf("first event %+v, %v", ev, err)
		}
		break
	}
	waitAbandoned(t, srv, 1)
}

func TestConcurrentStreams(t *testing.T) {
	srv := newServer(t)
	var tokens atomic.Int64
	c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) {
		tokens.Add(1)
		return "tok", nil
	}})
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			req := hello("gemini-2.5-flash")
			req.Messages[0].Content = strings.Repeat("q", i+1)
			var text strings.Builder
			for ev, err := range c.Stream(t.Context(), req) {
				if err != nil {
					errs <- err
					return
				}
				if ev.Kind == providers.EventText {
					text.WriteString(ev.Text)
				}
			}
			if got := text.String(); got != strings.Join(providertest.DefaultText, "") {
				errs <- errors.New("stream " + req.Messages[0].Content + " got " + got)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if tokens.Load() != n {
		t.Errorf("Token called %d times, want once per request (%d)", tokens.Load(), n)
	}
}
