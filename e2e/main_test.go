package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// binary is the llxprt-ls built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "llxprt-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	binary, err = Build(ctx, dir, raceEnabled)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// start runs the binary in mode ("lsp" or "mcp") on config dir cfg, with
// extra flags after the mode, and stops it when the test ends.
func start(t *testing.T, mode, cfg string, extra ...string) *Proc {
	t.Helper()
	framing := LSP
	if mode == "mcp" {
		framing = MCP
	}
	args := append([]string{"--config-dir", cfg, "--log-level", "warn", mode}, extra...)
	// GOTRACEBACK=all lets a SIGQUIT dump count goroutines; a race binary
	// otherwise sleeps a second at exit.
	p, err := Start(binary, framing, args, "GOTRACEBACK=all", "GORACE=atexit_sleep_ms=0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Close(10 * time.Second)
		if strings.Contains(p.Stderr(), "WARNING: DATA RACE") {
			t.Errorf("data race in pid %d", p.PID())
		}
		if t.Failed() {
			t.Logf("stderr of pid %d:\n%s", p.PID(), tail(p.Stderr(), 4000))
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var err2 error
	if mode == "mcp" {
		_, err2 = p.InitMCP(ctx)
	} else {
		_, err2 = p.InitLSP(ctx)
	}
	if err2 != nil {
		t.Fatalf("%s initialize: %v\nstderr: %s", mode, err2, tail(p.Stderr(), 4000))
	}
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
