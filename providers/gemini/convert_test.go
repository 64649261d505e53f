package gemini

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

func TestRequestMapping(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	temp, topP, maxTok, topK, seed := 0.7, 0.9, 1024, 40, int64(42)
	req := &providers.Request{
		Model:  "gemini-2.5-pro",
		System: "Be brief.",
		Messages: []providers.Message{
			{Role: providers.RoleUser, Content: "hi"},
			{Role: providers.RoleAssistant, Content: "hello"},
			{Role: providers.RoleUser, Content: "again"},
		},
		Params: providers.Params{
			Temperature: &temp, TopP: &topP, MaxTokens: &maxTok, TopK: &topK, Seed: &seed,
			Stop:     []string{"END"},
			Thinking: &providers.Thinking{Type: "enabled", BudgetTokens: 2048},
			Extra: map[string]any{
				"response_mime_type": "application/json",
				"candidateCount":     1,
				"presence_penalty":   0.5,
				"generation_config":  map[string]any{"frequencyPenalty": 0.25},
				"safetySettings":     []any{map[string]any{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}},
				"cachedContent":      "cachedContents/abc",
				"x_custom":           map[string]any{"a": 1},
			},
		},
	}
	if _, err := collect(t, c.Stream(t.Context(), req)); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	rec := srv.Requests()[0]
	if rec.Method != http.MethodPost || rec.Path != "/v1beta/models/gemini-2.5-pro:streamGenerateContent" || rec.Query != "alt=sse" {
		t.Errorf("request line = %s %s?%s", rec.Method, rec.Path, rec.Query)
	}
	want := map[string]any{
		"contents": []any{
			map[string]any{"role": "user", "parts": []any{map[string]any{"text": "hi"}}},
			map[string]any{"role": "model", "parts": []any{map[string]any{"text": "hello"}}},
			map[string]any{"role": "user", "parts": []any{map[string]any{"text": "again"}}},
		},
		"systemInstruction": map[string]any{"role": "user", "parts": []any{map[string]any{"text": "Be brief."}}},
		"generationConfig": map[string]any{
			"temperature":      0.7,
			"topP":             0.9,
			"topK":             40.0,
			"maxOutputTokens":  1024.0,
			"stopSequences":    []any{"END"},
			"seed":             42.0,
			"thinkingConfig":   map[string]any{"thinkingBudget": 2048.0, "includeThoughts": true},
			"responseMimeType": "application/json",
			"candidateCount":   1.0,
			"presencePenalty":  0.5,
			"frequencyPenalty": 0.25,
		},
		"safetySettings": []any{map[string]any{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}},
		"cachedContent":  "cachedContents/abc",
		"x_custom":       map[string]any{"a": 1.0},
	}
	if d := cmp.Diff(want, rec.JSON()); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
	if _, ok := req.Params.Extra["generationConfig"]; ok {
		t.Error("Stream modified the request's Extra")
	}
}

func TestThinkingMapping(t *testing.T) {
	tests := []struct {
		name     string
		thinking *providers.Thinking
		want     any
	}{
		{"none", nil, nil},
		{"budget", &providers.Thinking{Type: "enabled", BudgetTokens: 512}, map[string]any{"thinkingBudget": 512.0, "includeThoughts": true}},
		{"enabled without budget", &providers.Thinking{Type: "enabled"}, map[string]any{"includeThoughts": true}},
		{"adaptive", &providers.Thinking{Type: "adaptive"}, map[string]any{"thinkingBudget": -1.0, "includeThoughts": true}},
		{"disabled", &providers.Thinking{Type: "disabled", BudgetTokens: 99}, map[string]any{"thinkingBudget": 0.0}},
	}
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			req := hello("gemini-2.5-flash")
			req.Params.Thinking = tt.thinking
			if _, err := collect(t, c.Stream(t.Context(), req)); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			gen, _ := srv.Requests()[0].JSON()["generationConfig"].(map[string]any)
			if d := cmp.Diff(tt.want, gen["thinkingConfig"]); d != "" {
				t.Errorf("thinkingConfig (-want +got):\n%s", d)
			}
		})
	}
}

func TestExtraPlacement(t *testing.T) {
	tests := []struct {
		key     string
		value   any
		genKey  string // where it lands in generationConfig, "" if top level
		topName string // its top-level name otherwise
	}{
		{key: "response_mime_type", value: "application/json", genKey: "responseMimeType"},
		{key: "responseMimeType", value: "text/x.enum", genKey: "responseMimeType"},
		{key: "candidateCount", value: 2.0, genKey: "candidateCount"},
		{key: "frequency_penalty", value: 0.1, genKey: "frequencyPenalty"},
		{key: "response_logprobs", value: true, genKey: "responseLogprobs"},
		{key: "media_resolution", value: "MEDIA_RESOLUTION_LOW", genKey: "mediaResolution"},
		{key: "thinking_config", value: map[string]any{"thinkingLevel": "high"}, genKey: "thinkingConfig"},
		{key: "safety_settings", value: []any{}, topName: "safety_settings"},
		{key: "tools", value: []any{map[string]any{"googleSearch": map[string]any{}}}, topName: "tools"},
		{key: "cachedContent", value: "cachedContents/x", topName: "cachedContent"},
		{key: "my_vendor_flag", value: "on", topName: "my_vendor_flag"},
	}
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			srv.Reset()
			req := hello("gemini-2.5-flash")
			req.Params.Extra = map[string]any{tt.key: tt.value}
			if _, err := collect(t, c.Stream(t.Context(), req)); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			body := srv.Requests()[0].JSON()
			gen, _ := body["generationConfig"].(map[string]any)
			if tt.genKey != "" {
				if d := cmp.Diff(tt.value, gen[tt.genKey]); d != "" {
					t.Errorf("generationConfig.%s (-want +got):\n%s", tt.genKey, d)
				}
				if _, ok := body[tt.key]; ok {
					t.Errorf("%s also at the top level", tt.key)
				}
				return
			}
			if d := cmp.Diff(tt.value, body[tt.topName]); d != "" {
				t.Errorf("top-level %s (-want +got):\n%s", tt.topName, d)
			}
			if len(gen) != 0 {
				t.Errorf("generationConfig = %v, want none", gen)
			}
		})
	}
}

func TestExtraMergesWithTyped(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	req := hello("gemini-2.5-flash")
	req.Params.Thinking = &providers.Thinking{Type: "enabled", BudgetTokens: 100}
	// A user's thinking_config is merged into the typed thinkingConfig, its
	// values winning; a generationConfig.temperature overrides the typed one.
	temp := 0.2
	req.Params.Temperature = &temp
	req.Params.Extra = map[string]any{
		"thinking_config":  map[string]any{"thinkingBudget": 300},
		"generationConfig": map[string]any{"temperature": 1.5},
	}
	if _, err := collect(t, c.Stream(t.Context(), req)); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	gen := srv.Requests()[0].JSON()["generationConfig"]
	want := map[string]any{"temperature": 1.5, "thinkingConfig": map[string]any{"thinkingBudget": 300.0, "includeThoughts": true}}
	if d := cmp.Diff(want, gen); d != "" {
		t.Errorf("generationConfig (-want +got):\n%s", d)
	}
}

func TestBadRequestsFailLocally(t *testing.T) {
	huge := int64(1) << 40
	tests := []struct {
		name string
		req  *providers.Request
	}{
		{"no model", hello("")},
		{"model with query", hello("gemini?key=x")},
		{"unknown role", &providers.Request{Model: "m", Messages: []providers.Message{{Role: "tool", Content: "x"}}}},
		{"seed beyond int32", &providers.Request{Model: "m", Params: providers.Params{Seed: &huge}}},
	}
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect(t, c.Stream(t.Context(), tt.req))
			if err == nil || err.Kind != providers.KindBadRequest {
				t.Fatalf("err = %v, want bad_request", err)
			}
		})
	}
	if n := srv.Total(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}
