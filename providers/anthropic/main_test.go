package anthropic

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// test closes its fake server and its client's idle connections.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newFake starts a fake Anthropic server that is closed with the test.
func newFake(t testing.TB) *providertest.Server {
	t.Helper()
	s := providertest.NewAnthropic()
	t.Cleanup(s.Close)
	return s
}

// newClient builds a Client whose idle connections close with the test
// (registered after the server's Close, so it runs first).
func newClient(t testing.TB, cfg providers.Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func hello() *providers.Request {
	return &providers.Request{
		Model:    "claude-sonnet-4-5",
		Messages: []providers.Message{{Role: providers.RoleUser, Content: "Say hello."}},
	}
}

// collect ranges over one stream and returns its events and its error.
func collect(ctx context.Context, p providers.Provider, req *providers.Request) ([]providers.Event, error) {
	var evs []providers.Event
	for ev, err := range p.Stream(ctx, req) {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
