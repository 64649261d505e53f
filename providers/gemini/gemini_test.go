package gemini

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func newServer(t testing.TB) *providertest.Server {
	t.Helper()
	srv := providertest.NewGemini()
	t.Cleanup(srv.Close)
	return srv
}

// newClient builds a client whose idle connections close with the test.
func newClient(t testing.TB, cfg providers.Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func hello(model string) *providers.Request {
	return &providers.Request{Model: model, Messages: []providers.Message{{Role: providers.RoleUser, Content: "Say hello."}}}
}

// collect ranges over a stream; it fails the test if anything follows an
// error or if an error is not a *providers.Error.
func collect(t testing.TB, seq iter.Seq2[providers.Event, error]) ([]providers.Event, *providers.Error) {
	t.Helper()
	var evs []providers.Event
	var perr *providers.Error
	for ev, err := range seq {
		if perr != nil {
			t.Fatalf("event after error %v: %+v, %v", perr, ev, err)
		}
		if err != nil {
			if !errors.As(err, &perr) || perr == nil {
				t.Fatalf("error is %T, want *providers.Error: %v", err, err)
			}
			continue
		}
		evs = append(evs, ev)
	}
	return evs, perr
}

func TestStreamEvents(t *testing.T) {
	srv := newServer(t)
	srv.Push(providertest.Script{
		Thinking: []string{"Let me think."},
		Text:     []string{"Hel", "lo", " world"},
		Usage:    providers.Usage{InputTokens: 12, OutputTokens: 3, CachedTokens: 4},
	})
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "test-key"})
	evs, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := []providers.Event{
		{Kind: providers.EventThinking, Text: "Let me think."},
		{Kind: providers.EventText, Text: "Hel"},
		{Kind: providers.EventText, Text: "lo"},
		{Kind: providers.EventText, Text: " world"},
		// Output is candidatesTokenCount 3 + thoughtsTokenCount 3 (13 bytes of thinking / 4).
		{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 12, OutputTokens: 6, CachedTokens: 4}},
		{Kind: providers.EventDone, Text: "STOP"},
	}
	if d := cmp.Diff(want, evs); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if c.Name() != "gemini" {
		t.Errorf("Name() = %q, want gemini", c.Name())
	}
}

func TestEarlyBreakReleasesStream(t *testing.T) {
	srv := newServer(t)
	srv.Push(providertest.Script{Text: strings.Split(strings.Repeat("x", 200), ""), Delay: 5e6})
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	for ev, err := range c.Stream(t.Context(), hello("gemini-2.5-flash")) {
		if err != nil || ev.Kind != providers.EventText {
			t.Fatalf("first event %+v, %v", ev, err)
		}
		break
	}
	waitAbandoned(t, srv, 1)
}

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

func TestCredentials(t *testing.T) {
	var calls atomic.Int64
	token := func(ctx context.Context) (string, error) {
		calls.Add(1)
		return "ya29.token-" + string(rune('0'+calls.Load())), nil
	}
	tests := []struct {
		name       string
		cfg        providers.Config
		wantKey    string
		wantBearer string
	}{
		{"api key", providers.Config{APIKey: "AIza-secret"}, "AIza-secret", ""},
		{"token", providers.Config{Token: token}, "", "Bearer ya29.token-1"},
		{"token wins over key", providers.Config{APIKey: "AIza-secret", Token: token}, "", "Bearer ya29.token-2"},
		{"neither", providers.Config{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			tt.cfg.BaseURL = srv.URL
			tt.cfg.Headers = map[string]string{"X-Team": "llxprt"}
			c := newClient(t, tt.cfg)
			if _, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash"))); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			rec := srv.Requests()[0]
			if got := rec.Header.Get("x-goog-api-key"); got != tt.wantKey {
				t.Errorf("x-goog-api-key = %q, want %q", got, tt.wantKey)
			}
			if got := rec.Header.Get("Authorization"); got != tt.wantBearer {
				t.Errorf("Authorization = %q, want %q", got, tt.wantBearer)
			}
			if rec.Query != "alt=sse" {
				t.Errorf("query = %q, want alt=sse only (never the key)", rec.Query)
			}
			if got := rec.Header.Get("X-Team"); got != "llxprt" {
				t.Errorf("X-Team = %q, want the configured header", got)
			}
		})
	}
}

func TestTokenFailureIsAuth(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) {
		return "", errors.New("refresh token revoked")
	}})
	_, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err == nil || err.Kind != providers.KindAuth {
		t.Fatalf("err = %v, want auth", err)
	}
	if srv.Total() != 0 {
		t.Errorf("a request was sent without a token")
	}
}

// TestEnvironmentIgnored shows the SDK's environment lookups are
// neutralised: keys, base URL and Vertex switches in the environment change
// nothing, and a token-only client never tries Application Default
// Credentials (which would reach Google's metadata server).
func TestEnvironmentIgnored(t *testing.T) {
	envs := []map[string]string{
		{"GOOGLE_API_KEY": "env-google-key"},
		{"GEMINI_API_KEY": "env-gemini-key"},
	}
	for _, env := range envs {
		for k, v := range env {
			t.Run(k, func(t *testing.T) {
				t.Setenv(k, v)
				t.Setenv("GOOGLE_GEMINI_BASE_URL", providertest.DeadURL())
				t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
				t.Setenv("GOOGLE_GENAI_USE_ENTERPRISE", "true")
				t.Setenv("GOOGLE_CLOUD_PROJECT", "env-project")
				t.Setenv("GOOGLE_CLOUD_LOCATION", "us-central1")
				t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/adc.json")
				t.Setenv("GCE_METADATA_HOST", providertest.DeadURL()[len("http://"):])
				srv := newServer(t)
				c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) { return "tok", nil }})
				if _, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash"))); err != nil {
					t.Fatalf("Stream: %v", err)
				}
				rec := srv.Requests()[0]
				if got := rec.Header.Get("x-goog-api-key"); got != "" {
					t.Errorf("x-goog-api-key = %q, want none", got)
				}
				if rec.Path != "/v1beta/models/gemini-2.5-flash:streamGenerateContent" {
					t.Errorf("path = %q: not the Gemini API", rec.Path)
				}
				// Without a base URL the client still targets Google, not the env's.
				d, err := New(providers.Config{APIKey: "k"})
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if got := d.genai.ClientConfig().HTTPOptions.BaseURL; got != DefaultBaseURL {
					t.Errorf("default base URL = %q, want %q", got, DefaultBaseURL)
				}
			})
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		suffix string
		path   string
	}{
		{"", "/v1beta/models/m:streamGenerateContent"},
		{"/", "/v1beta/models/m:streamGenerateContent"},
		{"/v1", "/v1/models/m:streamGenerateContent"},
		{"/v1beta/", "/v1beta/models/m:streamGenerateContent"},
		{"/proxy/gemini", "/proxy/gemini/v1beta/models/m:streamGenerateContent"},
		{"/proxy/v1alpha", "/proxy/v1alpha/models/m:streamGenerateContent"},
	}
	srv := newServer(t)
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			srv.Reset()
			c := newClient(t, providers.Config{BaseURL: srv.URL + tt.suffix, APIKey: "k"})
			if _, err := collect(t, c.Stream(t.Context(), hello("m"))); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if got := srv.Requests()[0].Path; got != tt.path {
				t.Errorf("path = %q, want %q", got, tt.path)
			}
		})
	}
	if _, err := New(providers.Config{BaseURL: "not a url"}); err == nil {
		t.Error("New accepted a relative base URL")
	}
}

// countingTransport counts round trips through a caller's client.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestHTTPClientUsedAndNotModified(t *testing.T) {
	srv := newServer(t)
	tr := defaultTransport(0)
	t.Cleanup(tr.CloseIdleConnections)
	ct := &countingTransport{next: tr}
	hc := &http.Client{Transport: ct}
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: hc})
	if _, err := collect(t, c.Stream(t.Context(), hello("m"))); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if ct.n.Load() != 1 {
		t.Errorf("caller's transport saw %d requests, want 1", ct.n.Load())
	}
	if hc.Transport != ct {
		t.Error("New replaced the caller's transport")
	}
}

func TestConcurrentStreams(t *testing.T) {
	srv := newServer(t)
	var tokens atomic.Int64
	c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) {
		tokens.Add(1)
		return "tok", nil
	}})
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			req := hello("gemini-2.5-flash")
			req.Messages[0].Content = strings.Repeat("q", i+1)
			var text strings.Builder
			for ev, err := range c.Stream(t.Context(), req) {
				if err != nil {
					errs <- err
					return
				}
				if ev.Kind == providers.EventText {
					text.WriteString(ev.Text)
				}
			}
			if got := text.String(); got != strings.Join(providertest.DefaultText, "") {
				errs <- errors.New("stream " + req.Messages[0].Content + " got " + got)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if tokens.Load() != n {
		t.Errorf("Token called %d times, want once per request (%d)", tokens.Load(), n)
	}
}
