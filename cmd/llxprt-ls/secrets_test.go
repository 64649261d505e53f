package main_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// TestSecretsNeverLeak gives a bucket a sentinel key on a fake that echoes
// the credential it received in its error message (as some vendors do),
// and checks that no command's output, no MCP result and no log line shows it.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const secret = "sk-SENTINEL-0123456789abcdef"
	fake := providertest.NewOpenAI()
	defer fake.Close()
	fake.SetResponder(func(r providertest.Recorded) providertest.Script {
		return providertest.Script{Status: 401, Message: "Incorrect API key provided: " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")}
	})
	w := &world{dir: t.TempDir()}
	w.writeProfile(t, "leaky", fmt.Sprintf(`{"version":1,"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[{"provider":"openai","model":"gpt-5.2","base-url":%q,"key":%q}]}}}`, fake.URL, secret))

	var seen bytes.Buffer
	for _, args := range [][]string{
		{"--log-level", "debug", "chat", "--profile-load", "leaky", "hello"},
		{"--log-level", "debug", "status", "--profile-load", "leaky", "--probe"},
		{"--log-level", "debug", "status", "--profile-load", "leaky", "--json"},
		{"profile", "show", "leaky"},
		{"profile", "list", "--json"},
	} {
		r := w.run(t, "", args...)
		fmt.Fprintf(&seen, "$ %v\n%s\n%s\n", args, r.stdout, r.stderr)
	}
	var stderr syncBuffer
	c := w.mcpWithStderr(t, &stderr, "--log-level", "debug")
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"chat", map[string]any{"prompt": "hi", "profile": "leaky"}},
		{"profile_load", map[string]any{"name": "leaky"}},
		{"chat", map[string]any{"prompt": "hi"}},
		{"provider_status", map[string]any{"probe": true}},
		{"profile_show", map[string]any{"name": "leaky"}},
		{"consensus", map[string]any{"prompt": "hi"}},
	} {
		_, text, st := c.call(t, call.tool, call.args, nil)
		fmt.Fprintf(&seen, "%s: %s %v\n", call.tool, text, st)
	}
	_ = c.Close()
	seen.WriteString(stderr.String())
	if fake.Total() == 0 {
		t.Fatal("the fake was never called: the test proves nothing")
	}
	if strings.Contains(seen.String(), secret) || strings.Contains(seen.String(), "0123456789abcdef") {
		t.Errorf("the secret leaked:\n%s", seen.String())
	}
	if !strings.Contains(seen.String(), "Incorrect API key provided") {
		t.Errorf("the vendor's message (which carried the key) never reached the output, so redaction was not exercised:\n%.2000s", seen.String())
	}
	if !strings.Contains(seen.String(), "401") {
		t.Errorf("the auth failure itself was not reported:\n%.2000s", seen.String())
	}
}

// syncBuffer is a bytes.Buffer the server's stderr copier can write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mcpWithStderr is w.mcp with the server's stderr captured into buf.
func (w *world) mcpWithStderr(t *testing.T, buf *syncBuffer, args ...string) *mcpClient {
	t.Helper()
	return w.mcpCmd(t, "2025-11-25", func(cmd *exec.Cmd) { cmd.Stderr = buf }, args...)
}
