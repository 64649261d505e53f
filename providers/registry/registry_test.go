package registry

import (
	"strings"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"anthropic", "anthropic", true},
		{"Claude", "anthropic", true},
		{"google", "gemini", true},
		{"dashscope", "qwen", true},
		{"openai", "openai", true},
		{"lm-studio", "lmstudio", true},
		{" OLLAMA ", "ollama", true},
		{"openai-responses", "openai", true},
		{"openaivercel", "openai", true},
		{"antropic", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := Canonical(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNewStreamsFromEveryAdapter(t *testing.T) {
	fakes := map[string]*providertest.Server{
		"anthropic": providertest.NewAnthropic(),
		"openai":    providertest.NewOpenAI(),
		"qwen":      providertest.NewOpenAI(),
		"gemini":    providertest.NewGemini(),
	}
	for id, srv := range fakes {
		t.Cleanup(srv.Close)
		t.Run(id, func(t *testing.T) {
			p, err := New(providers.Config{Provider: id, BaseURL: srv.URL, APIKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != id {
				t.Errorf("Name() = %q, want %q", p.Name(), id)
			}
			var text strings.Builder
			for ev, err := range p.Stream(t.Context(), &providers.Request{Model: "m", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Kind == providers.EventText {
					text.WriteString(ev.Text)
				}
			}
			if want := strings.Join(providertest.DefaultText, ""); text.String() != want {
				t.Errorf("text = %q, want %q", text.String(), want)
			}
		})
	}
}

func TestNewUnknownProvider(t *testing.T) {
	_, err := New(providers.Config{Provider: "antropic"})
	if err == nil || !strings.Contains(err.Error(), "anthropic") {
		t.Fatalf("err = %v, want an error listing the known providers", err)
	}
}

func TestNeedsKey(t *testing.T) {
	tests := []struct {
		provider, base string
		want           bool
	}{
		{"anthropic", "", true},
		{"openai", "", true},
		{"ollama", "", false},
		{"openai-compatible", "https://example.invalid/v1", false},
		{"openai", "http://127.0.0.1:4000/v1", false},
		{"qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", true},
	}
	for _, tt := range tests {
		if got := NeedsKey(tt.provider, tt.base); got != tt.want {
			t.Errorf("NeedsKey(%q, %q) = %v, want %v", tt.provider, tt.base, got, tt.want)
		}
	}
}

func TestOpenAIResponsesAliasUsesResponsesAPI(t *testing.T) {
	srv := providertest.NewOpenAI()
	t.Cleanup(srv.Close)
	p, err := New(providers.Config{Provider: "openai-responses", BaseURL: srv.URL + "/v1", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range p.Stream(t.Context(), &providers.Request{Model: "gpt-5.2", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.HasSuffix(reqs[0].Path, "/responses") {
		t.Fatalf("requests = %+v, want one to /responses", reqs)
	}
}
