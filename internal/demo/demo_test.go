package demo_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/server"
)

// TestRepliesOverEveryWire drives each simulated vendor through its real
// adapter, so Reply is checked against the request bodies the SDKs send:
// the turn count sees the history, and a code action comes back as the
// code with the marker comment in the code's comment syntax.
func TestRepliesOverEveryWire(t *testing.T) {
	env, err := demo.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	tests := []struct{ provider, model, url string }{
		{"anthropic", "claude-sonnet-4-5", env.Anthropic.URL},
		{"openai", "gpt-5.2", env.OpenAI.URL}, // Chat Completions
		{"openai", "o3-pro", env.OpenAI.URL},  // Responses API
		{"gemini", "gemini-3-flash-preview", env.Gemini.URL},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.model, func(t *testing.T) {
			p, err := profile.ParseInline(fmt.Sprintf(`{"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[{"provider":%q,"model":%q,"base-url":%q,"key":"k"}]}}}`, tt.provider, tt.model, tt.url))
			if err != nil {
				t.Fatal(err)
			}
			svc, err := server.New(t.Context(), server.Options{ConfigDir: t.TempDir(), Inline: p, NoWatch: true})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			r1, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: "one"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: "two", SessionID: r1.SessionID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r2.Text, "turn 2") || !strings.Contains(r2.Text, tt.model) {
				t.Errorf("chat: %q", r2.Text)
			}
			act, err := svc.RunAction(t.Context(), server.ActionRequest{Action: "document", Code: "  x = 1\n  y = 2\n", Language: "python"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := "  # llxprt-demo: document\n  x = 1\n  y = 2\n"; act.Code != want {
				t.Errorf("code action: %q, want %q", act.Code, want)
			}
		})
	}
}

func TestServerPromptsAreRecognised(t *testing.T) {
	rec := func(prompt string) string {
		env, err := demo.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer env.Close()
		svc, err := server.New(t.Context(), server.Options{ConfigDir: t.TempDir(), Inline: env.Profile, NoWatch: true})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		res, err := svc.RunAction(t.Context(), server.ActionRequest{Action: prompt, Code: "a()", Language: "lua"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Code
	}
	if got := rec("make it faster"); got != "-- llxprt-demo: instruction\na()" {
		t.Errorf("free-text instruction: %q", got)
	}
}

func TestRunFast(t *testing.T) {
	var out bytes.Buffer
	if err := demo.Run(t.Context(), &out, demo.RunOptions{Requests: 6, Fast: true}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	// Request 6 is in the act where the last resort hangs while the others
	// cool down: it must be served by a bucket that freed meanwhile.
	for _, want := range []string{"#1 ", "timeout: no content within first_token_timeout_ms", "Stats per bucket", "gemini/gemini-3-flash-preview"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for n := 1; n <= 6; n++ {
		if !strings.Contains(s, fmt.Sprintf("#%-2d ✓", n)) {
			t.Errorf("request %d was not served:\n%s", n, s)
		}
	}
	if strings.Contains(s, "✗") {
		t.Errorf("a scripted request failed:\n%s", s)
	}
}
