package anthropic

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

func ptr[T any](v T) *T { return &v }

// TestRequestBody checks the param mapping in the body the fake server
// recorded, as the SDK serialised it.
func TestRequestBody(t *testing.T) {
	tests := []struct {
		name   string
		params providers.Params
		want   map[string]any // expected keys; nil value means "absent"
	}{
		{
			name:   "defaults",
			params: providers.Params{},
			want: map[string]any{"max_tokens": 8192.0, "stream": true, "model": "claude-sonnet-4-5",
				"temperature": nil, "top_p": nil, "top_k": nil, "stop_sequences": nil, "thinking": nil, "seed": nil},
		},
		{
			name: "sampling params, seed dropped",
			params: providers.Params{MaxTokens: ptr(1000), Temperature: ptr(0.3), TopP: ptr(0.9), TopK: ptr(40),
				Stop: []string{"END", "\n\nHuman:"}, Seed: ptr(int64(7))},
			want: map[string]any{"max_tokens": 1000.0, "temperature": 0.3, "top_p": 0.9, "top_k": 40.0,
				"stop_sequences": []any{"END", "\n\nHuman:"}, "seed": nil},
		},
		{
			name:   "temperature above 1 is clamped",
			params: providers.Params{Temperature: ptr(1.7)},
			want:   map[string]any{"temperature": 1.0},
		},
		{
			name: "extra keys pass through unchanged, even dotted ones",
			params: providers.Params{Extra: map[string]any{
				"metadata":     map[string]any{"user_id": "u-42"},
				"service_tier": "auto",
				"odd.key":      []any{1.0, "two"},
			}},
			want: map[string]any{"metadata": map[string]any{"user_id": "u-42"}, "service_tier": "auto",
				"odd.key": []any{1.0, "two"}, "odd": nil},
		},
		{
			name:   "extra key replaces a mapped field",
			params: providers.Params{MaxTokens: ptr(100), Extra: map[string]any{"max_tokens": 50.0}},
			want:   map[string]any{"max_tokens": 50.0},
		},
		{
			name: "thinking drops temperature and top_k, keeps top_p >= 0.95",
			params: providers.Params{Thinking: &providers.Thinking{Type: "enabled", BudgetTokens: 2048},
				Temperature: ptr(0.2), TopK: ptr(5), TopP: ptr(0.97)},
			want: map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 2048.0},
				"max_tokens": 8192.0, "temperature": nil, "top_k": nil, "top_p": 0.97},
		},
		{
			name:   "thinking drops top_p below 0.95",
			params: providers.Params{Thinking: &providers.Thinking{Type: "enabled", BudgetTokens: 2048}, TopP: ptr(0.5)},
			want:   map[string]any{"top_p": nil},
		},
		{
			name:   "thinking raises max_tokens above the budget",
			params: providers.Params{Thinking: &providers.Thinking{Type: "enabled", BudgetTokens: 10000}, MaxTokens: ptr(4096)},
			want:   map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 10000.0}, "max_tokens": 11024.0},
		},
		{
			name:   "thinking without a budget gets the minimum",
			params: providers.Params{Thinking: &providers.Thinking{Type: "enabled"}},
			want:   map[string]any{"thinking": map[string]any{"type": "enabled", "budget_tokens": 1024.0}, "max_tokens": 8192.0},
		},
		{
			name:   "adaptive thinking",
			params: providers.Params{Thinking: &providers.Thinking{Type: "adaptive"}, Temperature: ptr(0.5)},
			want:   map[string]any{"thinking": map[string]any{"type": "adaptive"}, "temperature": nil},
		},
		{
			name:   "thinking disabled keeps sampling params",
			params: providers.Params{Thinking: &providers.Thinking{Type: "disabled"}, Temperature: ptr(0.5)},
			want:   map[string]any{"thinking": map[string]any{"type": "disabled"}, "temperature": 0.5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			c := newClient(t, providers.Config{BaseURL: s.URL, APIKey: "k"})
			req := hello()
			req.Params = tt.params
			if _, err := collect(t.Context(), c, req); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			body := s.Requests()[0].JSON()
			for k, want := range tt.want {
				got, ok := body[k]
				if want == nil {
					if ok {
						t.Errorf("%s = %v, want it absent", k, got)
					}
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestRequestMessagesAndSystem(t *testing.T) {
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL, APIKey: "k"})
	req := &providers.Request{
		Model:  "claude-haiku-4-5",
		System: "You are terse.",
		Messages: []providers.Message{
			{Role: providers.RoleUser, Content: "Hi"},
			{Role: providers.RoleAssistant, Content: "Hello."},
			{Role: providers.RoleUser, Content: "Bye"},
		},
	}
	req.Messages = append(req.Messages[:2:2], providers.Message{Role: providers.RoleUser, Content: " \n"}, req.Messages[2],
		providers.Message{Role: providers.RoleAssistant, Content: "Goodbye, "})
	if _, err := collect(t.Context(), c, req); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	body := s.Requests()[0].JSON()
	text := func(s string) []any { return []any{map[string]any{"type": "text", "text": s}} }
	want := map[string]any{
		"system": text("You are terse."),
		"messages": []any{
			map[string]any{"role": "user", "content": text("Hi")},
			map[string]any{"role": "assistant", "content": text("Hello.")},
			map[string]any{"role": "user", "content": text("Bye")},
			map[string]any{"role": "assistant", "content": text("Goodbye,")},
		},
	}
	for k, w := range want {
		if diff := cmp.Diff(w, body[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	tests := []struct {
		name       string
		cfg        providers.Config
		path       string
		wantKey    string
		wantBearer string
	}{
		{name: "api key", cfg: providers.Config{APIKey: "sk-ant-api"}, path: "/v1/messages", wantKey: "sk-ant-api"},
		{name: "oauth token wins over the key",
			cfg:  providers.Config{APIKey: "sk-ant-api", Token: func(context.Context) (string, error) { return "oauth-tok", nil }},
			path: "/v1/messages", wantBearer: "Bearer oauth-tok"},
		{name: "no credential", cfg: providers.Config{}, path: "/v1/messages"},
		{name: "base URL with a path prefix", cfg: providers.Config{APIKey: "k"}, path: "/proxy/anthropic/v1/messages", wantKey: "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			cfg := tt.cfg
			cfg.BaseURL = s.URL + tt.path[:len(tt.path)-len("/v1/messages")]
			cfg.Headers = map[string]string{"X-Team": "llxprt"}
			t.Setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
			t.Setenv("ANTHROPIC_AUTH_TOKEN", "from-env")
			c := newClient(t, cfg)
			if _, err := collect(t.Context(), c, hello()); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			r := s.Requests()[0]
			got := map[string]string{
				"path":              r.Path,
				"method":            r.Method,
				"x-api-key":         r.Header.Get("X-Api-Key"),
				"authorization":     r.Header.Get("Authorization"),
				"anthropic-version": r.Header.Get("Anthropic-Version"),
				"x-team":            r.Header.Get("X-Team"),
			}
			want := map[string]string{
				"path":              tt.path,
				"method":            "POST",
				"x-api-key":         tt.wantKey,
				"authorization":     tt.wantBearer,
				"anthropic-version": "2023-06-01",
				"x-team":            "llxprt",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTokenPerRequest checks that Config.Token is asked on every request
// (tokens rotate) and that its failure is an auth error sent nowhere.
func TestTokenPerRequest(t *testing.T) {
	s := newFake(t)
	calls := 0
	c := newClient(t, providers.Config{BaseURL: s.URL, Token: func(context.Context) (string, error) {
		calls++
		if calls == 3 {
			return "", errors.New("refresh token revoked")
		}
		return "tok-" + string(rune('0'+calls)), nil
	}})
	for range 2 {
		if _, err := collect(t.Context(), c, hello()); err != nil {
			t.Fatalf("Stream: %v", err)
		}
	}
	_, err := collect(t.Context(), c, hello())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Fatalf("error = %v, want an auth error", err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server got %d requests, want 2", len(reqs))
	}
	for i, want := range []string{"Bearer tok-1", "Bearer tok-2"} {
		if got := reqs[i].Header.Get("Authorization"); got != want {
			t.Errorf("request %d Authorization = %q, want %q", i, got, want)
		}
	}
}

func TestInvalidRequests(t *testing.T) {
	tests := []struct {
		name string
		req  *providers.Request
	}{
		{"nil", nil},
		{"no model", &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "x"}}}},
		{"no messages", &providers.Request{Model: "claude-sonnet-4-5"}},
		{"only empty messages", &providers.Request{Model: "claude-sonnet-4-5", Messages: []providers.Message{{Role: providers.RoleUser, Content: "  "}}}},
		{"system role", &providers.Request{Model: "claude-sonnet-4-5", Messages: []providers.Message{{Role: "system", Content: "x"}}}},
	}
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect(t.Context(), c, tt.req)
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != providers.KindBadRequest {
				t.Fatalf("error = %v, want a bad request", err)
			}
		})
	}
	if n := s.Total(); n != 0 {
		t.Errorf("server got %d requests, want none", n)
	}
}
