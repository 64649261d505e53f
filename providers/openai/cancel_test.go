package openai

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// TestStopReleasesRequest checks that a cancelled context and a caller that
// stops ranging both end the HTTP request at the server, and that nothing
// is left running afterwards.
func TestStopReleasesRequest(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	for _, api := range []string{"chat", "responses"} {
		for _, how := range []string{"cancel", "break"} {
			t.Run(api+"/"+how, func(t *testing.T) {
				srv := providertest.NewOpenAI()
				defer srv.Close()
				c, err := New(providers.Config{BaseURL: srv.URL + "/v1", API: api})
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseIdleConnections()
				srv.Push(providertest.Script{Fault: providertest.FaultHangAfter, After: 1})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var gotErr error
				for ev, err := range c.Stream(ctx, hello("gpt-4.1")) {
					if err != nil {
						gotErr = err
						break
					}
					if ev.IsContent() {
						if how == "break" {
							break
						}
						cancel()
					}
				}
				if how == "cancel" {
					checkErr(t, gotErr, providers.KindCanceled, 0, 0)
				} else if gotErr != nil {
					t.Errorf("break: unexpected error %v", gotErr)
				}
				// The server notices the client leaving asynchronously; poll,
				// bounded, rather than sleep a fixed time.
				for deadline := time.Now().Add(10 * time.Second); srv.Abandoned() == 0 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				if srv.Abandoned() != 1 {
					t.Errorf("Abandoned() = %d, want 1: the HTTP request was not stopped", srv.Abandoned())
				}
			})
		}
	}
	goleak.VerifyNone(t, leaks)
}
