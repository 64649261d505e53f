package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
)

// geminiPost sends a raw streamGenerateContent request and returns the
// response with its body read.
func geminiPost(t *testing.T, s *Server, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// geminiChunks splits an SSE body into its data payloads, checking Google's
// "data: …\r\n\r\n" framing.
func geminiChunks(t *testing.T, body string) []string {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n\r\n") {
		t.Fatalf("body does not end with CRLF CRLF: %q", body)
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(body, "\r\n\r\n"), "\r\n\r\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.ContainsAny(data, "\r\n") {
			t.Fatalf("bad SSE event %q", ev)
		}
		out = append(out, data)
	}
	return out
}

func TestGeminiStreamBytes(t *testing.T) {
	s := NewGemini()
	defer s.Close()
	s.Push(Script{Thinking: []string{"Hm."}, Text: []string{"Hi", " there"}, Usage: providers.Usage{InputTokens: 7, OutputTokens: 2}})
	resp, body := geminiPost(t, s, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", `{"contents":[]}`)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	chunks := geminiChunks(t, body)
	if len(chunks) != 4 {
		t.Fatalf("got %d chunks, want 4:\n%s", len(chunks), body)
	}
	const ids = `,"modelVersion": "gemini-2.5-pro","responseId": "`
	wantPrefix := []string{
		`{"candidates": [{"content": {"parts": [{"text": "Hm.","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 7,"totalTokenCount": 7,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 7}]}` + ids,
		`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 7,`,
		`{"candidates": [{"content": {"parts": [{"text": " there"}],"role": "model"},"index": 0}],`,
		`{"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 7,"candidatesTokenCount": 2,"totalTokenCount": 10,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 7}],"thoughtsTokenCount": 1}` + ids,
	}
	var respID string
	for i, c := range chunks {
		if !strings.HasPrefix(c, wantPrefix[i]) {
			t.Errorf("chunk %d:\n got %s\nwant %s…", i, c, wantPrefix[i])
		}
		// Every chunk is a GenerateContentResponse the SDK's types decode.
		var r genai.GenerateContentResponse
		if err := json.Unmarshal([]byte(c), &r); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if respID == "" {
			respID = r.ResponseID
		}
		if r.ResponseID == "" || r.ResponseID != respID {
			t.Errorf("chunk %d responseId %q, want one id for the whole reply", i, r.ResponseID)
		}
	}
}

func TestGeminiErrorShapes(t *testing.T) {
	s := NewGemini()
	defer s.Close()
	s.Push(Script{Status: 503}, Script{Fault: FaultErrorEventAfter, After: 1, ErrorStatus: 429, Message: "slow down"})
	resp, body := geminiPost(t, s, "/v1beta/models/m:streamGenerateContent?alt=sse", `{}`)
	if resp.StatusCode != 503 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := "{\n  \"error\": {\n    \"code\": 503,\n    \"message\": \"The model is overloaded. Please try again later.\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}"
	if body != want {
		t.Errorf("error body:\n%s\nwant\n%s", body, want)
	}
	_, body = geminiPost(t, s, "/v1beta/models/m:streamGenerateContent?alt=sse", `{}`)
	chunks := geminiChunks(t, body)
	if got, want := chunks[len(chunks)-1], `{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}`; got != want {
		t.Errorf("mid-stream error chunk %s, want %s", got, want)
	}
	ri := GeminiErrorBody(429, "RESOURCE_EXHAUSTED", "q", GeminiRetryInfo(12500*time.Millisecond))
	if !strings.Contains(ri, `"retryDelay": "12.5s"`) || !strings.Contains(ri, `"@type": "type.googleapis.com/google.rpc.RetryInfo"`) {
		t.Errorf("RetryInfo body:\n%s", ri)
	}
}

func TestGeminiSafetyScripts(t *testing.T) {
	tests := []struct {
		name   string
		script Script
		want   string // the last chunk's start
		chunks int
	}{
		{"answer withheld", Script{ErrorType: "SAFETY"}, `{"candidates": [{"finishReason": "SAFETY","index": 0,"safetyRatings": [`, 1},
		{"answer cut short", Script{ErrorType: "RECITATION", Text: []string{"a", "b"}}, `{"candidates": [{"finishReason": "RECITATION",`, 3},
		{"prompt refused", Script{ErrorType: "prompt:PROHIBITED_CONTENT", Text: []string{"a"}}, `{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT","safetyRatings": [`, 1},
	}
	s := NewGemini()
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Push(tt.script)
			_, body := geminiPost(t, s, "/v1beta/models/m:streamGenerateContent?alt=sse", `{}`)
			chunks := geminiChunks(t, body)
			if len(chunks) != tt.chunks || !strings.HasPrefix(chunks[len(chunks)-1], tt.want) {
				t.Errorf("got %d chunks, last %s; want %d, last %s…", len(chunks), chunks[len(chunks)-1], tt.chunks, tt.want)
			}
		})
	}
}

// TestGeminiWithSDK drives the non-stream routes through the real SDK.
func TestGeminiWithSDK(t *testing.T) {
	s := NewGemini()
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "k", Backend: genai.BackendGeminiAPI,
		HTTPClient: &http.Client{Transport: tr}, HTTPOptions: genai.HTTPOptions{BaseURL: s.URL}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.Models.List(ctx, nil)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var names []string
	for _, m := range page.Items {
		names = append(names, m.Name)
	}
	if d := cmp.Diff([]string{"models/gemini-2.5-pro", "models/gemini-2.5-flash", "models/gemini-2.5-flash-lite"}, names); d != "" {
		t.Errorf("models (-want +got):\n%s", d)
	}
	m, err := c.Models.Get(ctx, "gemini-2.5-flash", nil)
	if err != nil || m.InputTokenLimit != 1048576 {
		t.Errorf("Get = %+v, %v", m, err)
	}
	var apiErr genai.APIError
	if _, err := c.Models.Get(ctx, "gemini-0-nope", nil); !errors.As(err, &apiErr) || apiErr.Code != 404 || apiErr.Status != "NOT_FOUND" {
		t.Errorf("Get(unknown) error = %v, want a 404 NOT_FOUND APIError", err)
	}
	s.Push(Script{Thinking: []string{"Hm."}, Text: []string{"Hi", " there"}})
	r, err := c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("hi"), nil)
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	if got := r.Text(); got != "Hi there" {
		t.Errorf("Text() = %q", got)
	}
	if r.Candidates[0].FinishReason != genai.FinishReasonStop || r.UsageMetadata.ThoughtsTokenCount != 1 {
		t.Errorf("candidate %+v usage %+v", r.Candidates[0], r.UsageMetadata)
	}
	// The SDK's own stream reader accepts the fake's framing.
	var text strings.Builder
	for chunk, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("hi"), nil) {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		text.WriteString(chunk.Text())
	}
	if got := text.String(); got != strings.Join(DefaultText, "") {
		t.Errorf("streamed %q", got)
	}
	// Requests are recorded with their method and path.
	var lines []string
	for _, rec := range s.Requests() {
		lines = append(lines, rec.Method+" "+rec.Path)
	}
	want := []string{
		"GET /v1beta/models", "GET /v1beta/models/gemini-2.5-flash", "GET /v1beta/models/gemini-0-nope",
		"POST /v1beta/models/gemini-2.5-flash:generateContent", "POST /v1beta/models/gemini-2.5-flash:streamGenerateContent",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}
