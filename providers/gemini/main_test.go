package gemini

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// stream, transport and fake server must be gone when the tests end. The
// one goroutine ignored is started at init by go.opencensus.io, which the
// genai SDK imports (through cloud.google.com/go/auth); it is not ours and
// lives for the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}
