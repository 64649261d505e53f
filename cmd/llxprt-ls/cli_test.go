package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/llxprt/llxprt-ls/internal/demo"
)

func TestChatStreamsAnswerToStdoutRoutingToStderr(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run(t, "", "chat", "Hello, are you working?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Simulated answer from anthropic claude-sonnet-4-5 (turn 1") {
		t.Errorf("stdout: %q", r.stdout)
	}
	if strings.Contains(r.stdout, "served by") || !strings.Contains(r.stderr, "served by anthropic/claude-sonnet-4-5") {
		t.Errorf("routing belongs on stderr: stdout %q stderr %q", r.stdout, r.stderr)
	}
	id := regexp.MustCompile(`session ([0-9a-f]+)`).FindStringSubmatch(r.stderr)
	if id == nil {
		t.Fatalf("no session id on stderr: %q", r.stderr)
	}
	// The prompt may come on stdin; the session continues across processes.
	r = w.run(t, "and now?", "chat", "--session", id[1], "-")
	if r.code != 0 || !strings.Contains(r.stdout, "turn 2") {
		t.Errorf("continued session: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestChatInlineRecipeProfileFailsOverVisibly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The recipe's "Command Line Usage" one-liner with base-url and keys
	// added to point at the fakes.
	inline := fmt.Sprintf(`{"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[`+
		`{"provider":"anthropic","model":"claude-sonnet-4-5","base-url":%q,"key":"sk-ant-test-0000"},`+
		`{"provider":"openai","model":"gpt-5.2","base-url":%q,"key":"sk-test-1111"}]}}}`, w.env.Anthropic.URL, w.env.OpenAI.URL)
	w.env.SetScene(demo.Scene{PrimaryDown: true})
	r := w.run(t, "", "chat", "--profile", inline, "hello")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Simulated answer from openai gpt-5.2") {
		t.Errorf("stdout: %q", r.stdout)
	}
	for _, want := range []string{"failover from anthropic/claude-sonnet-4-5 to openai/gpt-5.2", "529", "served by openai/gpt-5.2"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, secret := range []string{"sk-ant-test-0000", "sk-test-1111"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("secret %s leaked", secret)
		}
	}
}

func TestChatErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no profile anywhere", []string{"--config-dir", empty, "chat", "hi"}, 1, "llxprt-ls profile init"},
		{"bad inline profile", []string{"chat", "--profile", `{"provider":"lb"`, "hi"}, 1, "--profile"},
		{"missing profile", []string{"chat", "--profile-load", "nope", "hi"}, 1, "nope"},
		{"traversal name", []string{"chat", "--profile-load", "../../etc/passwd", "hi"}, 1, "invalid profile name"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"two profiles", []string{"chat", "--demo", "--profile-load", "ha", "hi"}, 2, "give one of"},
		{"bad log level", []string{"--log-level", "loud", "version"}, 2, "--log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.run(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tt.code, r.stderr, tt.want)
			}
			if r.stdout != "" && tt.code != 0 {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
		})
	}
}

func TestProfileCommands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run(t, "", "profile", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "ha (default)") || !strings.Contains(r.stdout, "gemini/gemini-3-flash-preview") {
		t.Fatalf("list: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = w.run(t, "", "profile", "show", "gem")
	if r.code != 0 || strings.Contains(r.stdout, "g-test-key-123456") || !strings.Contains(r.stdout, "gemini-3-flash-preview") {
		t.Errorf("show (key must be masked): %d %q", r.code, r.stdout)
	}
	src := filepath.Join(t.TempDir(), "mine.json")
	if err := os.WriteFile(src, w.env.JSON, 0o600); err != nil {
		t.Fatal(err)
	}
	if r = w.run(t, "", "profile", "validate", src); r.code != 0 || !strings.Contains(r.stdout, "ok") {
		t.Errorf("validate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r = w.run(t, "", "profile", "save", "mine", "--from", src, "--format", "toml"); r.code != 0 {
		t.Errorf("save: %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "profiles", "mine.toml")); err != nil {
		t.Errorf("saved as toml: %v", err)
	}
	if r = w.run(t, "", "profile", "default", "mine"); r.code != 0 {
		t.Errorf("default: %d %q", r.code, r.stderr)
	}
	if r = w.run(t, "", "profile", "default"); strings.TrimSpace(r.stdout) != "mine" {
		t.Errorf("default is %q", r.stdout)
	}
	if r = w.run(t, "", "profile", "delete", "mine"); r.code != 0 {
		t.Errorf("delete: %d %q", r.code, r.stderr)
	}
	if r = w.run(t, "", "profile", "show", "mine"); r.code == 0 {
		t.Errorf("deleted profile still shows")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[{"provider":"antropic","model":"x"}]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r = w.run(t, "", "profile", "validate", bad); r.code != 1 || !strings.Contains(r.stderr, `did you mean "anthropic"`) {
		t.Errorf("validate bad: %d %q", r.code, r.stderr)
	}
	if r = w.run(t, "", "profile", "save", "../x", "--from", src); r.code == 0 {
		t.Error("traversal name saved")
	}

	fresh := t.TempDir()
	r = w.run(t, "", "--config-dir", fresh, "profile", "init")
	if r.code != 0 || !strings.Contains(r.stdout, "wrote profile high-availability") {
		t.Fatalf("init: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = w.run(t, "", "--config-dir", fresh, "profile", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 3 {
		t.Errorf("list --json after init: %v %q", err, r.stdout)
	}
	// init leaves a default, so the next step it suggests finds a profile.
	r = w.run(t, "", "--config-dir", fresh, "status")
	// (Without keys it says which credential each bucket lacks.)
	if out := r.stdout + r.stderr; !strings.Contains(out, "profile high-availability") || strings.Contains(out, "no profile") {
		t.Errorf("status right after init: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestStatusAndProbe(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run(t, "", "status")
	if r.code != 0 {
		t.Fatalf("status: %d %q", r.code, r.stderr)
	}
	for _, want := range []string{"profile ha (failover)", "anthropic/claude-sonnet-4-5", "openai/gpt-5.2", "gemini/gemini-3-flash-preview", "CREDENTIAL", "closed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	w.env.SetScene(demo.Scene{PrimaryDown: true})
	r = w.run(t, "", "status", "--probe")
	if r.code != 0 {
		t.Fatalf("probe: %d %q", r.code, r.stderr)
	}
	lines := strings.Split(r.stdout, "\n")
	var anth, oai string
	for _, l := range lines {
		if strings.HasPrefix(l, "anthropic/") && strings.Contains(l, "ms") {
			anth = l
		}
		if strings.HasPrefix(l, "openai/") && strings.Contains(l, "ms") {
			oai = l
		}
	}
	if !strings.Contains(anth, "FAIL") || !strings.Contains(anth, "overloaded") || !strings.Contains(oai, " ok ") {
		t.Errorf("probe rows:\n%s", r.stdout)
	}
	if n := len(w.env.Gemini.Requests()); n != 1 {
		t.Errorf("gemini got %d probe requests, want 1", n)
	}
}

func TestDemoRunsToCompletion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run(t, "", "demo", "--fast", "--requests", "8")
	if r.code != 0 {
		t.Fatalf("demo: %d %q", r.code, r.stderr)
	}
	for _, want := range []string{"#1", "#8", "failover", "Stats per bucket", "anthropic/claude-sonnet-4-5"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colour codes when stdout is not a terminal")
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if r := w.run(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "llxprt-ls ") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	if r := w.run(t, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "profile init") {
		t.Errorf("help: %d %q", r.code, r.stdout)
	}
}

// --help, -h and help print the help text to stdout and exit 0, for the
// binary and for each command; an unknown flag is one line on stderr that
// points at the help, with exit 2 — never Go's flag dump.
func TestHelpAndFlagErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		args   []string
		code   int
		stdout []string // substrings
		stderr string   // substring; "" means stderr must be empty
	}{
		{[]string{"--help"}, 0, []string{"Commands:", "profile init"}, ""},
		{[]string{"-h"}, 0, []string{"Commands:", "profile init"}, ""},
		{[]string{"help"}, 0, []string{"Commands:", "profile init"}, ""},
		{[]string{"chat", "--help"}, 0, []string{"llxprt-ls chat", "-session", "-profile-load", "-config-dir"}, ""},
		{[]string{"chat", "-h"}, 0, []string{"llxprt-ls chat", "-session"}, ""},
		{[]string{"help", "chat"}, 0, []string{"llxprt-ls chat", "-session"}, ""},
		{[]string{"status", "--help"}, 0, []string{"llxprt-ls status", "-probe"}, ""},
		{[]string{"profile", "save", "--help"}, 0, []string{"llxprt-ls profile", "-from"}, ""},
		{[]string{"profile", "--help"}, 0, []string{"llxprt-ls profile list", "validate FILE"}, ""},
		{[]string{"auth", "--help"}, 0, []string{"llxprt-ls auth login", "-no-browser"}, ""},
		{[]string{"demo", "--help"}, 0, []string{"llxprt-ls demo", "-requests"}, ""},
		{[]string{"lsp", "--help"}, 0, []string{"llxprt-ls lsp", "-demo"}, ""},
		{[]string{"--nope"}, 2, nil, `-nope; run "llxprt-ls help"`},
		{[]string{"chat", "--nope", "hi"}, 2, nil, `-nope; run "llxprt-ls help"`},
		{[]string{"help", "nosuch"}, 2, nil, `unknown command "nosuch"`},
	}
	for _, tt := range tests {
		r := w.run(t, "", tt.args...)
		if r.code != tt.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, r.code, tt.code, r.stderr)
		}
		for _, want := range tt.stdout {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: stdout lacks %q:\n%s", tt.args, want, r.stdout)
			}
		}
		if tt.stderr == "" {
			if r.stderr != "" {
				t.Errorf("%v: stderr %q, want none", tt.args, r.stderr)
			}
			continue
		}
		if r.stdout != "" {
			t.Errorf("%v: stdout %q on an error", tt.args, r.stdout)
		}
		if !strings.Contains(r.stderr, tt.stderr) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "Usage") {
			t.Errorf("%v: stderr %q, want one line with %q", tt.args, r.stderr, tt.stderr)
		}
	}
}
