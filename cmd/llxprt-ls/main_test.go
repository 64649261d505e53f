package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/internal/demo"
)

// bin is the llxprt-ls binary built once for the package's tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "llxprt-ls-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "llxprt-ls")
	args := []string{"build", "-o", bin}
	if raceEnabled { // a race in the server shows up when the suite runs with -race
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build llxprt-ls:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is a temp config dir whose profiles point at simulated providers
// running in the test process: "ha" (the demo's three-bucket failover
// profile, the default) and "gem" (one Gemini bucket).
type world struct {
	dir string
	env *demo.Env
}

func newWorld(t *testing.T) *world {
	t.Helper()
	env, err := demo.Start(t.Context(), demo.Options{FirstTokenTimeout: 10 * time.Second}) // generous: no test here hangs a bucket
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	w := &world{dir: t.TempDir(), env: env}
	w.writeProfile(t, "ha", string(env.JSON))
	w.writeProfile(t, "gem", fmt.Sprintf(`{"version":1,"provider":"gemini","model":"gemini-3-flash-preview","ephemeralSettings":{"base-url":%q,"auth-key":"g-test-key-123456"}}`, env.Gemini.URL))
	if err := os.WriteFile(filepath.Join(w.dir, "settings.json"), []byte(`{"defaultProfile":"ha"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) writeProfile(t *testing.T, name, doc string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(w.dir, "profiles"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "profiles", name+".json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the binary with --config-dir set, stdin from in, and an
// environment without any provider key.
func (w *world) run(t *testing.T, in string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config-dir", w.dir}, args...)...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

// cleanEnv is the test process's environment without credentials or an
// LLXPRT_HOME, so a developer's real keys never reach a test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(k, "_API_KEY") || k == "LLXPRT_HOME" {
			continue
		}
		env = append(env, kv)
	}
	// A race-enabled binary otherwise sleeps a second at exit.
	return append(env, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
}
