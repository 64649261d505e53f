package anthropic

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// waitAbandoned polls the fake server until it has seen n clients go away.
// The bound is generous for a loaded machine; the poll ends as soon as the
// count arrives.
func waitAbandoned(t *testing.T, s *providertest.Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Abandoned() < n {
		if time.Now().After(deadline) {
			t.Fatalf("server saw %d abandoned requests, want %d: the HTTP request was not stopped", s.Abandoned(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hangingStream sends two chunks and then stays silent until the client
// leaves, so only a cancel or a break can end the request.
var hangingStream = providertest.Script{Text: []string{"one", "two", "three"}, Fault: providertest.FaultHangAfter, After: 2}

func TestCancelMidStream(t *testing.T) {
	s := newFake(t)
	s.Push(hangingStream)
	c := newClient(t, providers.Config{BaseURL: s.URL})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var content int
	var gotErr error
	for ev, err := range c.Stream(ctx, hello()) {
		if err != nil {
			gotErr = err
			break
		}
		if ev.IsContent() {
			content++
			if content == 2 {
				cancel()
			}
		}
	}
	var pe *providers.Error
	if !errors.As(gotErr, &pe) || pe.Kind != providers.KindCanceled {
		t.Fatalf("error = %v, want a canceled error", gotErr)
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", gotErr)
	}
	waitAbandoned(t, s, 1)
}

// TestBreakReleasesStream checks that a consumer that stops ranging closes
// the response at once, with no cancel.
func TestBreakReleasesStream(t *testing.T) {
	s := newFake(t)
	s.Push(hangingStream)
	c := newClient(t, providers.Config{BaseURL: s.URL})
	for ev, err := range c.Stream(t.Context(), hello()) {
		if err != nil {
			t.Fatalf("Stream: %v", err)
		}
		if ev.IsContent() {
			break
		}
	}
	waitAbandoned(t, s, 1)
}

func TestCancelBeforeHeaders(t *testing.T) {
	s := newFake(t)
	s.Push(providertest.Script{Fault: providertest.FaultHangBeforeHeaders})
	c := newClient(t, providers.Config{BaseURL: s.URL})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		// Cancel once the server holds the request.
		for s.Active() == 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := collect(ctx, c, hello())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindCanceled {
		t.Fatalf("error = %v, want a canceled error", err)
	}
	waitAbandoned(t, s, 1)
}
