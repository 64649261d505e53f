package anthropic

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestModels(t *testing.T) {
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL, APIKey: "k"})
	ids, err := c.Models(t.Context())
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	if diff := cmp.Diff([]string{"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"}, ids); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	if got := s.Requests()[0]; got.Path != "/v1/models" || got.Header.Get("X-Api-Key") != "k" {
		t.Errorf("request %s with x-api-key %q", got.Path, got.Header.Get("X-Api-Key"))
	}

	s.Push(providertest.Script{Status: 401})
	_, err = c.Models(t.Context())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Errorf("Models on 401: %v, want an auth error", err)
	}
}

// TestConcurrentStreams runs many streams through one Client at once, as
// the balancer does; -race checks the sharing.
func TestConcurrentStreams(t *testing.T) {
	s := newFake(t)
	var tokens atomic.Int64
	c := newClient(t, providers.Config{BaseURL: s.URL, Token: func(context.Context) (string, error) {
		return "tok-" + strconv.FormatInt(tokens.Add(1), 10), nil
	}})
	const n = 16
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := hello()
			req.Messages[0].Content = "request " + strconv.Itoa(i)
			evs, err := collect(t.Context(), c, req)
			if err == nil && (len(evs) == 0 || evs[len(evs)-1].Kind != providers.EventDone) {
				err = errors.New("stream did not end with done")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := s.Total(); got != n {
		t.Errorf("server got %d requests, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, r := range s.Requests() {
		seen[r.Header.Get("Authorization")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct bearer tokens, want %d (one per request)", len(seen), n)
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"api.anthropic.com", "ftp://x", "http://", ":://"} {
		if _, err := New(providers.Config{BaseURL: u}); err == nil {
			t.Errorf("New(BaseURL %q) = nil error", u)
		}
	}
}

func TestName(t *testing.T) {
	for cfgName, want := range map[string]string{"": "anthropic", "anthropic-eu": "anthropic-eu"} {
		c, err := New(providers.Config{Provider: cfgName})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name() != want {
			t.Errorf("Name() = %q, want %q", c.Name(), want)
		}
	}
}
