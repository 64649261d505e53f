package openai

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/openai/openai-go/v3"

	"github.com/llxprt/llxprt-ls/providers"
)

func ptr[T any](v T) *T { return &v }

// allParams sets every typed field and two pass-through keys.
func allParams() providers.Params {
	return providers.Params{
		Temperature: ptr(0.7),
		MaxTokens:   ptr(8192),
		TopP:        ptr(0.9),
		TopK:        ptr(40),
		Stop:        []string{"END", "STOP"},
		Seed:        ptr(int64(7)),
		Thinking:    &providers.Thinking{Type: "enabled", BudgetTokens: 10000},
		Extra:       map[string]any{"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"}},
	}
}

var chatMessages = []any{
	map[string]any{"role": "user", "content": "Hi"},
	map[string]any{"role": "assistant", "content": "Hello."},
	map[string]any{"role": "user", "content": "How are you?"},
}

func withSystem(role string) []any {
	return append([]any{map[string]any{"role": role, "content": "Be brief."}}, chatMessages...)
}

// TestRecordedBodies checks the parameter mapping in the body that reached
// the fake server through the SDK, field by field, for each model family.
func TestRecordedBodies(t *testing.T) {
	srv := newServer(t, nil)
	usage := map[string]any{"include_usage": true}
	tests := []struct {
		name     string
		provider string
		api      string
		model    string
		params   providers.Params
		path     string
		want     map[string]any
	}{
		{
			name:  "chat model keeps temperature, max_tokens, no effort, no top_k on openai",
			model: "gpt-4.1", params: allParams(), path: "/v1/chat/completions",
			want: map[string]any{
				"model": "gpt-4.1", "stream": true, "stream_options": usage, "messages": withSystem("system"),
				"max_tokens": 8192.0, "temperature": 0.7, "top_p": 0.9, "stop": []any{"END", "STOP"}, "seed": 7.0,
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
		{
			name:  "reasoning model: max_completion_tokens, effort, developer role, no temperature",
			model: "o3", params: allParams(), path: "/v1/chat/completions",
			want: map[string]any{
				"model": "o3", "stream": true, "stream_options": usage, "messages": withSystem("developer"),
				"max_completion_tokens": 8192.0, "reasoning_effort": "medium", "seed": 7.0,
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
		{
			name:  "gpt-5 chat variant is not a reasoning model",
			model: "gpt-5-chat-latest", params: providers.Params{MaxTokens: ptr(100), Temperature: ptr(0.2), Thinking: &providers.Thinking{Type: "enabled"}}, path: "/v1/chat/completions",
			want: map[string]any{
				"model": "gpt-5-chat-latest", "stream": true, "stream_options": usage, "messages": withSystem("system"),
				"max_tokens": 100.0, "temperature": 0.2,
			},
		},
		{
			name:     "qwen passes top_k, keeps the system role, ignores thinking",
			provider: "qwen", model: "qwen3-coder-plus", params: allParams(), path: "/v1/chat/completions",
			want: map[string]any{
				"model": "qwen3-coder-plus", "stream": true, "stream_options": usage, "messages": withSystem("system"),
				"max_tokens": 8192.0, "temperature": 0.7, "top_p": 0.9, "top_k": 40.0, "stop": []any{"END", "STOP"}, "seed": 7.0,
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
		{
			name:     "mistral: no stream_options, random_seed, no top_k",
			provider: "mistral", model: "mistral-large-latest", params: allParams(), path: "/v1/chat/completions",
			want: map[string]any{
				"model": "mistral-large-latest", "stream": true, "messages": withSystem("system"),
				"max_tokens": 8192.0, "temperature": 0.7, "top_p": 0.9, "stop": []any{"END", "STOP"}, "random_seed": 7.0,
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
		{
			name:  "an Extra key wins over a mapped field",
			model: "gpt-4.1", params: providers.Params{MaxTokens: ptr(10), Extra: map[string]any{"max_tokens": 20.0, "stream_options": map[string]any{"include_usage": false}}}, path: "/v1/chat/completions",
			want: map[string]any{
				"model": "gpt-4.1", "stream": true, "stream_options": map[string]any{"include_usage": false}, "messages": withSystem("system"),
				"max_tokens": 20.0,
			},
		},
		{
			name:  "o3-pro on the Responses API",
			model: "o3-pro", params: allParams(), path: "/v1/responses",
			want: map[string]any{
				"model": "o3-pro", "stream": true, "store": false, "instructions": "Be brief.", "input": chatMessages,
				"max_output_tokens": 8192.0, "reasoning": map[string]any{"effort": "medium", "summary": "auto"},
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
		{
			name: "chat model forced to the Responses API keeps temperature",
			api:  "responses", model: "gpt-4.1", params: allParams(), path: "/v1/responses",
			want: map[string]any{
				"model": "gpt-4.1", "stream": true, "store": false, "instructions": "Be brief.", "input": chatMessages,
				"max_output_tokens": 8192.0, "temperature": 0.7, "top_p": 0.9,
				"presence_penalty": 0.5, "user_tag": map[string]any{"team": "x"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, srv, providers.Config{Provider: tt.provider, API: tt.api, BaseURL: srv.URL + "/v1"})
			req := hello(tt.model)
			req.Params = tt.params
			if _, err := collect(t.Context(), c, req); err != nil {
				t.Fatalf("stream: %v", err)
			}
			r := lastRequest(t, srv)
			if r.Path != tt.path {
				t.Errorf("path = %q, want %q", r.Path, tt.path)
			}
			if d := cmp.Diff(tt.want, r.JSON()); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		})
	}
}

func TestModelFamilies(t *testing.T) {
	tests := []struct {
		model              string
		reasoning, respOnl bool
	}{
		{"gpt-4.1", false, false},
		{"gpt-4o-mini", false, false},
		{"gpt-5", true, false},
		{"gpt-5.2", true, false},
		{"gpt-5-mini", true, false},
		{"gpt-5-chat-latest", false, false},
		{"gpt-5.1-chat-latest", false, false},
		{"o1", true, false},
		{"o1-pro", true, true},
		{"o3-mini", true, false},
		{"o3-pro-2025-06-10", true, true},
		{"o4-mini", true, false},
		{"o4-mini-deep-research", true, true},
		{"gpt-5-pro", true, true},
		{"gpt-5-codex", true, true},
		{"codex-mini-latest", false, true},
		{"omni-moderation-latest", false, false},
		{"o30", false, false},
		{"qwen3-coder-pro", false, true}, // routed by name only on provider openai
		{"gpt-4-professional", false, false},
	}
	for _, tt := range tests {
		if got := isReasoningModel(tt.model); got != tt.reasoning {
			t.Errorf("isReasoningModel(%q) = %v, want %v", tt.model, got, tt.reasoning)
		}
		if got := responsesOnly(tt.model); got != tt.respOnl {
			t.Errorf("responsesOnly(%q) = %v, want %v", tt.model, got, tt.respOnl)
		}
	}
}

func TestEffort(t *testing.T) {
	tests := []struct {
		budget int
		want   string
	}{{0, "medium"}, {1, "low"}, {2048, "low"}, {2049, "medium"}, {16384, "medium"}, {16385, "high"}, {100000, "high"}}
	for _, tt := range tests {
		if got := effort(&providers.Thinking{Type: "enabled", BudgetTokens: tt.budget}); string(got) != tt.want {
			t.Errorf("effort(%d) = %q, want %q", tt.budget, got, tt.want)
		}
	}
}

// TestReasoningFields reads both spellings compatible servers use, through
// the SDK's own chunk decoding.
func TestReasoningFields(t *testing.T) {
	tests := []struct {
		delta, want string
	}{
		{`{"reasoning_content":"step one"}`, "step one"},
		{`{"reasoning":"via openrouter"}`, "via openrouter"},
		{`{"reasoning_content":"line\nbreak \"quoted\""}`, "line\nbreak \"quoted\""},
		{`{"content":"text","reasoning_content":null}`, ""},
		{`{"reasoning_content":""}`, ""},
		{`{"content":"text"}`, ""},
	}
	for _, tt := range tests {
		var ch openai.ChatCompletionChunk
		data := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":` + tt.delta + `,"finish_reason":null}]}`
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatalf("unmarshal %s: %v", data, err)
		}
		if got := reasoningText(ch.Choices[0].Delta.JSON.ExtraFields); got != tt.want {
			t.Errorf("reasoningText(%s) = %q, want %q", tt.delta, got, tt.want)
		}
	}
}

func TestDeepSeekCachedTokens(t *testing.T) {
	var u openai.CompletionUsage
	if err := json.Unmarshal([]byte(`{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13,"prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":2}`), &u); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(providers.Usage{InputTokens: 10, OutputTokens: 3, CachedTokens: 8}, chatUsage(u)); d != "" {
		t.Errorf("usage (-want +got):\n%s", d)
	}
}
