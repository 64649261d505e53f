package openai

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sk-test-0123456789abcdef"

// newTestClient builds a client on srv; the test's cleanup closes idle
// connections so no transport goroutine outlives it.
func newTestClient(t *testing.T, srv *providertest.Server, cfg providers.Config) *Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL + "/v1"
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func newServer(t *testing.T, wire *providertest.OpenAI) *providertest.Server {
	t.Helper()
	if wire == nil {
		wire = &providertest.OpenAI{}
	}
	srv := providertest.New(wire)
	t.Cleanup(srv.Close)
	return srv
}

// collect ranges over a stream; it returns the events and the error that
// ended it (nil on success).
func collect(ctx context.Context, c *Client, req *providers.Request) ([]providers.Event, error) {
	var evs []providers.Event
	for ev, err := range c.Stream(ctx, req) {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func hello(model string) *providers.Request {
	return &providers.Request{Model: model, System: "Be brief.", Messages: []providers.Message{
		{Role: providers.RoleUser, Content: "Hi"},
		{Role: providers.RoleAssistant, Content: "Hello."},
		{Role: providers.RoleUser, Content: "How are you?"},
	}}
}

func lastRequest(t *testing.T, srv *providertest.Server) providertest.Recorded {
	t.Helper()
	rs := srv.Requests()
	if len(rs) == 0 {
		t.Fatal("the server received no request")
	}
	return rs[len(rs)-1]
}

func TestStreamOrderAndUsage(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct {
		name, model, api, path string
	}{
		{"chat", "gpt-4.1", "", "/v1/chat/completions"},
		{"responses by model o3-pro", "o3-pro", "", "/v1/responses"},
		{"responses by model gpt-5-codex", "gpt-5-codex", "", "/v1/responses"},
		{"responses forced", "gpt-4.1", "responses", "/v1/responses"},
		{"chat forced for a pro model", "o3-pro", "chat", "/v1/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, srv, providers.Config{APIKey: testKey, API: tt.api})
			srv.Push(providertest.Script{
				Thinking: []string{"Let me", " think."},
				Text:     []string{"I am", " fine", ", thanks."},
				Usage:    providers.Usage{InputTokens: 42, OutputTokens: 7, CachedTokens: 5},
			})
			evs, err := collect(t.Context(), c, hello(tt.model))
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			want := []providers.Event{
				{Kind: providers.EventThinking, Text: "Let me"},
				{Kind: providers.EventThinking, Text: " think."},
				{Kind: providers.EventText, Text: "I am"},
				{Kind: providers.EventText, Text: " fine"},
				{Kind: providers.EventText, Text: ", thanks."},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 42, OutputTokens: 7, CachedTokens: 5}},
				{Kind: providers.EventDone, Text: "stop"},
			}
			if d := cmp.Diff(want, evs); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
			if got := lastRequest(t, srv).Path; got != tt.path {
				t.Errorf("path = %q, want %q", got, tt.path)
			}
		})
	}
}

// TestConcurrentStreams shares one client between goroutines (run with
// -race): the client holds no per-request state.
func TestConcurrentStreams(t *testing.T) {
	srv := newServer(t, nil)
	c := newTestClient(t, srv, providers.Config{APIKey: testKey})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		model := "gpt-4.1"
		if i%2 == 1 {
			model = "o3-pro"
		}
		wg.Go(func() {
			evs, err := collect(t.Context(), c, hello(model))
			if err == nil && evs[len(evs)-1].Kind != providers.EventDone {
				err = errors.New("no done event")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestStopReasons(t *testing.T) {
	tests := []struct {
		name, finish, api, want string
	}{
		{"chat length", "length", "chat", "length"},
		{"responses max_output_tokens is a normal end", "length", "responses", "max_output_tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, &providertest.OpenAI{FinishReason: tt.finish})
			c := newTestClient(t, srv, providers.Config{API: tt.api})
			evs, err := collect(t.Context(), c, hello("gpt-4.1"))
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			last := evs[len(evs)-1]
			if last.Kind != providers.EventDone || last.Text != tt.want {
				t.Errorf("last event = %+v, want done %q", last, tt.want)
			}
			if evs[len(evs)-2].Kind != providers.EventUsage {
				t.Errorf("event before done = %v, want usage", evs[len(evs)-2].Kind)
			}
		})
	}
}

func TestContentFilterIsAnError(t *testing.T) {
	for _, api := range []string{"chat", "responses"} {
		t.Run(api, func(t *testing.T) {
			srv := newServer(t, &providertest.OpenAI{FinishReason: "content_filter"})
			c := newTestClient(t, srv, providers.Config{API: api})
			_, err := collect(t.Context(), c, hello("gpt-4.1"))
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != providers.KindContentFiltered {
				t.Fatalf("err = %v, want content_filtered", err)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct {
		name     string
		cfg      providers.Config
		wantAuth string
	}{
		{"api key", providers.Config{APIKey: testKey}, "Bearer " + testKey},
		{"token wins over key", providers.Config{APIKey: testKey, Token: func(context.Context) (string, error) { return "oauth-token", nil }}, "Bearer oauth-token"},
		{"token alone", providers.Config{Token: func(context.Context) (string, error) { return "oauth-token", nil }}, "Bearer oauth-token"},
	}
	for _, tt := range tests {
		for _, api := range []string{"chat", "responses"} {
			t.Run(tt.name+"/"+api, func(t *testing.T) {
				cfg := tt.cfg
				cfg.API = api
				cfg.Headers = map[string]string{"OpenAI-Organization": "org-test"}
				c := newTestClient(t, srv, cfg)
				if _, err := collect(t.Context(), c, hello("gpt-4.1")); err != nil {
					t.Fatalf("stream: %v", err)
				}
				h := lastRequest(t, srv).Header
				if got := h.Values("Authorization"); !slices.Equal(got, []string{tt.wantAuth}) {
					t.Errorf("Authorization = %q, want %q", got, tt.wantAuth)
				}
				if got := h.Get("OpenAI-Organization"); got != "org-test" {
					t.Errorf("OpenAI-Organization = %q, want org-test", got)
				}
			})
		}
	}
}

// TestNoKeyIgnoresEnvironment checks that a bucket without a key sends no
// Authorization header even when OPENAI_API_KEY is set, and that
// OPENAI_BASE_URL does not redirect it: the SDK's environment defaults are
// bypassed. (t.Setenv rules out t.Parallel here.)
func TestNoKeyIgnoresEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-environment")
	t.Setenv("OPENAI_BASE_URL", providertest.DeadURL())
	t.Setenv("OPENAI_ORG_ID", "org-from-environment")
	srv := newServer(t, nil)
	for _, provider := range []string{"ollama", "openai-compatible", "qwen"} {
		t.Run(provider, func(t *testing.T) {
			c := newTestClient(t, srv, providers.Config{Provider: provider, BaseURL: srv.URL + "/v1"})
			if _, err := collect(t.Context(), c, hello("llama3.2")); err != nil {
				t.Fatalf("stream: %v", err)
			}
			h := lastRequest(t, srv).Header
			if v, ok := h["Authorization"]; ok {
				t.Errorf("Authorization header sent without a key: %q", v)
			}
			if v := h.Get("OpenAI-Organization"); v != "" {
				t.Errorf("OpenAI-Organization from the environment: %q", v)
			}
		})
	}
}

func TestTokenFailureIsAuth(t *testing.T) {
	srv := newServer(t, nil)
	c := newTestClient(t, srv, providers.Config{Token: func(context.Context) (string, error) { return "", errors.New("refresh denied") }})
	_, err := collect(t.Context(), c, hello("gpt-4.1"))
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Fatalf("err = %v, want auth", err)
	}
	if srv.Total() != 0 {
		t.Errorf("a request was sent without a credential")
	}
}

func TestQwenBaseURL(t *testing.T) {
	if got, ok := DefaultBaseURL("qwen"); !ok || got != "https://dashscope-intl.aliyuncs.com/compatible-mode/v1" {
		t.Errorf("DefaultBaseURL(qwen) = %q, %v", got, ok)
	}
	srv := newServer(t, nil)
	// The override keeps DashScope's path shape; qwen3-coder-pro is a chat
	// model even though it ends in -pro.
	c := newTestClient(t, srv, providers.Config{Provider: "qwen", APIKey: testKey, BaseURL: srv.URL + "/compatible-mode/v1"})
	if c.Name() != "qwen" {
		t.Errorf("Name() = %q, want qwen", c.Name())
	}
	srv.Push(providertest.Script{Thinking: []string{"thinking"}, Text: []string{"answer"}})
	evs, err := collect(t.Context(), c, hello("qwen3-coder-pro"))
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	if evs[0].Kind != providers.EventThinking || evs[0].Text != "thinking" {
		t.Errorf("reasoning_content did not become thinking: %+v", evs[0])
	}
	r := lastRequest(t, srv)
	if r.Path != "/compatible-mode/v1/chat/completions" {
		t.Errorf("path = %q", r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  providers.Config
		want string
	}{
		{"openai-compatible needs a base URL", providers.Config{Provider: "openai-compatible"}, "needs a base URL"},
		{"unknown provider without base URL", providers.Config{Provider: "nope"}, "unknown provider"},
		{"not a URL", providers.Config{Provider: "openai", BaseURL: "127.0.0.1:8000"}, "not an http(s) URL"},
		{"bad api", providers.Config{Provider: "openai", API: "completions"}, `api "completions"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "openai: ") {
				t.Errorf("New() err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	c, err := New(providers.Config{Provider: "together", BaseURL: "https://api.together.xyz/v1"})
	if err != nil || c.Name() != "together" {
		t.Errorf("an unknown id with a base URL: %v, %v", c, err)
	}
}

func TestProviders(t *testing.T) {
	want := []string{"openai", "qwen", "openrouter", "deepseek", "xai", "groq", "mistral", "ollama", "lmstudio", "llamacpp", "vllm", "openai-compatible"}
	if d := cmp.Diff(want, Providers()); d != "" {
		t.Errorf("Providers() (-want +got):\n%s", d)
	}
	for _, id := range want {
		u, ok := DefaultBaseURL(id)
		if ok != (id != "openai-compatible") || ok && !strings.HasPrefix(u, "http") {
			t.Errorf("DefaultBaseURL(%q) = %q, %v", id, u, ok)
		}
	}
}

func TestModels(t *testing.T) {
	srv := newServer(t, &providertest.OpenAI{Models: []string{"a", "b"}})
	c := newTestClient(t, srv, providers.Config{APIKey: testKey})
	got, err := c.Models(t.Context())
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	if d := cmp.Diff([]string{"a", "b"}, got); d != "" {
		t.Errorf("models (-want +got):\n%s", d)
	}
	srv.Push(providertest.Script{Status: http.StatusUnauthorized})
	_, err = c.Models(t.Context())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Errorf("Models on 401: %v, want auth", err)
	}
}

func TestBaseURLShapes(t *testing.T) {
	srv := newServer(t, nil)
	tests := []struct{ base, path string }{
		{"", "/chat/completions"},
		{"/v1/", "/v1/chat/completions"},
		{"/api/v1", "/api/v1/chat/completions"},
	}
	for _, tt := range tests {
		c := newTestClient(t, srv, providers.Config{Provider: "llamacpp", BaseURL: srv.URL + tt.base})
		if _, err := collect(t.Context(), c, hello("local")); err != nil {
			t.Fatalf("base %q: %v", tt.base, err)
		}
		if got := lastRequest(t, srv).Path; got != tt.path {
			t.Errorf("base %q: path %q, want %q", tt.base, got, tt.path)
		}
	}
}
