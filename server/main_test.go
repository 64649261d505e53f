package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: the
// watcher, a session, a stream or a fake's handler that outlived Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// opencensus, under the Gemini SDK, starts a worker at init.
		goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"),
	)
}
