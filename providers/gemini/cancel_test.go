package gemini

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// waitAbandoned polls the fake until n requests were abandoned by their
// client, failing after a generous bound.
func waitAbandoned(t *testing.T, srv *providertest.Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Abandoned() < n {
		if time.Now().After(deadline) {
			t.Fatalf("Abandoned() = %d, want %d: the HTTP request was not stopped", srv.Abandoned(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCancelStopsRequestAndLeaksNothing(t *testing.T) {
	srv := newServer(t)
	tr := defaultTransport(0)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	defer tr.CloseIdleConnections()
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: &http.Client{Transport: tr}})
	pieces := make([]string, 1000)
	for i := range pieces {
		pieces[i] = "x"
	}
	srv.Push(providertest.Script{Text: pieces, Delay: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var kind providers.ErrorKind
	n := 0
	for ev, err := range c.Stream(ctx, hello("gemini-2.5-flash")) {
		if err != nil {
			kind = providers.AsError("gemini", err).Kind
			break
		}
		if ev.IsContent() {
			n++
			if n == 2 {
				cancel()
			}
		}
	}
	if kind != providers.KindCanceled {
		t.Fatalf("kind = %v after %d events, want canceled", kind, n)
	}
	waitAbandoned(t, srv, 1)
}
