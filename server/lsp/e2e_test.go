package lsp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/llxprt/llxprt-ls/providers/providertest"
	"github.com/llxprt/llxprt-ls/server"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds cmd/llxprt-ls once per test binary (with -race when the
// tests run with it), so the end-to-end test drives what users run.
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "llxprt-ls-lsp-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "llxprt-ls")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		var out bytes.Buffer
		cmd := exec.Command("go", append(args, "github.com/llxprt/llxprt-ls/cmd/llxprt-ls")...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/llxprt-ls: %v\n%s", err, out.String())
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	if code == 0 {
		// Serve must not leave goroutines behind (notifier, timers, handlers);
		// opencensus (under the Gemini SDK) starts one at init.
		if err := goleak.Find(goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start")); err != nil {
			fmt.Fprintln(os.Stderr, "leaked goroutines:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeVendor is one OpenAI-compatible fake: code-action prompts get a fenced
// block, chat prompts a slow stream, and "hang" prompts one piece and then
// silence until the client goes away.
func fakeVendor(t *testing.T, name string) *providertest.Server {
	f := providertest.NewOpenAI()
	t.Cleanup(f.Close)
	f.SetResponder(func(r providertest.Recorded) providertest.Script {
		body := string(r.Body)
		switch {
		case strings.Contains(body, strings.TrimSpace(server.ActionMarker)):
			return providertest.Script{Text: []string{"Here:\n```go\n", "return a - b // " + name + "\n", "```\n"}}
		case strings.Contains(body, "hang"):
			return providertest.Script{Text: []string{"wait", "ing"}, Fault: providertest.FaultHangAfter, After: 1}
		}
		return providertest.Script{Text: []string{"Hello", " from ", name, "."}, Delay: 25 * time.Millisecond}
	})
	return f
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond, for counters the fakes expose only as numbers; it
// bounds a broken test, it asserts no timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
	}
}

// TestEndToEnd drives the built llxprt-ls over pipes as an editor does:
// initialize → didOpen → codeAction (no provider call) → resolve (the edit
// carries the fake's code) → chat (pieces before the result) → cancel
// mid-chat (the fake sees its client leave) → profile load (the next request
// goes to the other profile's fake) → shutdown → exit with code 0.
func TestEndToEnd(t *testing.T) {
	alpha, beta := fakeVendor(t, "alpha"), fakeVendor(t, "beta")
	c, exited, stderr := startBinary(t, map[string]*providertest.Server{"alpha": alpha, "beta": beta}, "alpha")

	// initialize → didOpen
	var init struct {
		ServerInfo struct{ Name string } `json:"serverInfo"`
	}
	c.mustCall("initialize", initParams(true, false, false, nil), &init)
	if init.ServerInfo.Name != "llxprt-ls" {
		t.Errorf("serverInfo.name = %q", init.ServerInfo.Name)
	}
	c.notify("initialized", map[string]any{})
	src := "package main\n\nfunc sub(a, b int) int {\n\treturn a + b\n}\n"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "file:///work/sub.go", "languageId": "go", "version": 1, "text": src}})

	// codeAction: answered without any request reaching a provider.
	var acts []listedAction
	c.mustCall("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": "file:///work/sub.go"},
		"range":        rng{pos{3, 3}, pos{3, 3}},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &acts)
	if len(acts) == 0 {
		t.Fatal("no code actions")
	}
	if n := alpha.Total() + beta.Total(); n != 0 {
		t.Fatalf("listing code actions sent %d provider requests", n)
	}

	// resolve: the edit replaces exactly the cursor line with the fake's code.
	var refactor listedAction
	for _, a := range acts {
		if a.Kind == "refactor.rewrite" {
			refactor = a
			break
		}
	}
	var resolved listedAction
	c.mustCall("codeAction/resolve", refactor, &resolved)
	wantEdit := `{"changes":{"file:///work/sub.go":[{"range":{"start":{"line":3,"character":0},"end":{"line":3,"character":13}},"newText":"\treturn a - b // alpha"}]}}`
	if !jsonEqual(t, wantEdit, resolved.Edit) {
		t.Errorf("resolved edit:\n got %s\nwant %s", resolved.Edit, wantEdit)
	}

	// chat: pieces on the partial-result token before the result.
	id, ch := c.start("llxprt/chat", map[string]any{"prompt": "Hello, are you working?", "partialResultToken": 42})
	resp := c.wait(ch)
	if resp.Error != nil {
		t.Fatalf("chat: %v", resp.Error)
	}
	var chat struct {
		SessionID, Text, Provider, Model string
		Attempts                         []json.RawMessage
	}
	_ = json.Unmarshal(resp.Result, &chat)
	if chat.Text != "Hello from alpha." || chat.SessionID == "" || chat.Model != "gpt-5.2" || len(chat.Attempts) == 0 {
		t.Errorf("chat result = %s", resp.Result)
	}
	log := c.received()
	respAt := indexOf(log, isResponse(json.RawMessage(jsonInt(id))))
	var streamed strings.Builder
	for _, m := range log[:respAt] {
		var p struct {
			Token int
			Value struct{ Text string }
		}
		if m.Method == "$/progress" && json.Unmarshal(m.Params, &p) == nil && p.Token == 42 {
			streamed.WriteString(p.Value.Text)
		}
	}
	if streamed.String() != chat.Text {
		t.Errorf("streamed before the result: %q, want %q", streamed.String(), chat.Text)
	}

	// cancel mid-chat: the response is RequestCancelled and the fake sees
	// its client go away.
	abandoned := alpha.Abandoned()
	id, ch = c.start("llxprt/chat", map[string]any{"prompt": "please hang", "partialResultToken": "p2"})
	c.waitFor("the first piece of the hanging chat", func(m message) bool {
		return m.Method == "$/progress" && strings.Contains(string(m.Params), `"p2"`)
	})
	c.notify("$/cancelRequest", map[string]any{"id": id})
	if resp := c.wait(ch); resp.Error == nil || resp.Error.Code != -32800 {
		t.Fatalf("cancelled chat: %+v, want RequestCancelled", resp)
	}
	eventually(t, "the fake provider sees the request abandoned", func() bool { return alpha.Abandoned() > abandoned })

	// profile load: the next request goes to beta's fake.
	var st struct{ Profile string }
	c.mustCall("llxprt/profile/load", map[string]any{"name": "beta"}, &st)
	if st.Profile != "beta" {
		t.Errorf("status after load: profile %q", st.Profile)
	}
	before := alpha.Total()
	c.mustCall("llxprt/chat", map[string]any{"prompt": "who are you?"}, &chat)
	if chat.Text != "Hello from beta." || beta.Total() != 1 || alpha.Total() != before {
		t.Errorf("after loading beta: %q, beta served %d, alpha %d more", chat.Text, beta.Total(), alpha.Total()-before)
	}

	// shutdown → exit: code 0.
	c.mustCall("shutdown", nil, nil)
	c.notify("exit", nil)
	if code := waitExit(t, exited); code != 0 {
		t.Errorf("exit code %d after shutdown and exit, want 0", code)
	}
	if strings.Contains(stderr.String(), "sk-test-alpha-0000") {
		t.Error("the API key leaked into the log")
	}
}

// startBinary runs llxprt-ls lsp on a temp config dir with one profile per
// fake (each a single OpenAI-compatible bucket at the fake's base URL), def
// the default, and returns an initialized client, the process's end and its
// stderr.
func startBinary(t *testing.T, fakes map[string]*providertest.Server, def string) (*rawClient, chan error, *bytes.Buffer) {
	t.Helper()
	bin := builtBinary(t)
	dir := t.TempDir()
	for name, f := range fakes {
		writeFile(t, filepath.Join(dir, "profiles", name+".json"), fmt.Sprintf(
			`{"version":1,"provider":"openai","model":"gpt-5.2","ephemeralSettings":{"base-url":%q,"auth-key":"sk-test-%s-0000"}}`, f.URL+"/v1", name))
	}
	writeFile(t, filepath.Join(dir, "settings.json"), fmt.Sprintf(`{"defaultProfile":%q}`, def))
	cmd := exec.CommandContext(t.Context(), bin, "--config-dir", dir, "--log-level", "debug", "lsp")
	// A race-enabled binary otherwise sleeps a second at exit;
	// halt_on_error makes a race in the child end it with a failure.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		err := <-exited
		exited <- err
		if t.Failed() {
			t.Logf("llxprt-ls stderr:\n%s", stderr.String())
		}
	})
	return newRawClient(t, stdout, stdin), exited, stderr
}

// waitExit waits for the process and returns its exit code.
func waitExit(t *testing.T, exited chan error) int {
	t.Helper()
	select {
	case err := <-exited:
		exited <- err
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitCode()
		}
		t.Fatalf("llxprt-ls: %v", err)
	case <-time.After(waitTimeout):
		t.Fatal("llxprt-ls did not exit")
	}
	return -1
}

// The binary answers bad messages with errors and keeps serving; a 5 MB
// prompt is answered or refused with a clear error.
func TestEndToEndHostileInput(t *testing.T) {
	f := fakeVendor(t, "alpha")
	c, exited, _ := startBinary(t, map[string]*providertest.Server{"alpha": f}, "alpha")
	c.mustCall("initialize", initParams(true, false, false, nil), nil)
	c.notify("initialized", map[string]any{})
	frames := []struct {
		name  string
		frame string
		id    string
		code  int
	}{
		{"malformed params", `{"jsonrpc":"2.0","id":101,"method":"llxprt/profile/load","params":{"name":7}}`, "101", -32602},
		{"unknown method", `{"jsonrpc":"2.0","id":102,"method":"llxprt/frobnicate","params":{}}`, "102", -32601},
		{"invalid UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":103,\"method\":\"llxprt/chat\",\"params\":{\"prompt\":\"\xff\xfe\"}}", "103", -32602},
		{"not JSON", `{"jsonrpc":"2.0","id":104,`, "null", -32700},
	}
	for _, fr := range frames {
		c.write([]byte(fr.frame))
		m := c.waitFor(fr.name, func(m message) bool { return m.Error != nil && string(m.ID) == fr.id })
		if m.Error.Code != fr.code {
			t.Errorf("%s: %v, want code %d", fr.name, m.Error, fr.code)
		}
		c.mustCall("llxprt/status", nil, nil)
	}

	prompt := strings.Repeat("0123456789abcdef", 5<<20/16)
	var res struct{ Text string }
	switch err := c.call("llxprt/chat", map[string]any{"prompt": prompt}, &res); {
	case err == nil:
		if res.Text == "" {
			t.Error("5 MB prompt: empty answer")
		}
	case err.Code == -32602 && strings.Contains(err.Message, "prompt"):
		t.Logf("5 MB prompt refused: %s", err.Message)
	default:
		t.Errorf("5 MB prompt: %v", err)
	}
	c.mustCall("llxprt/status", nil, nil)

	c.notify("exit", nil) // without shutdown: exit code 1
	if code := waitExit(t, exited); code != 1 {
		t.Errorf("exit code %d after exit without shutdown, want 1", code)
	}
}
