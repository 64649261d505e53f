package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

type oaiEvent struct {
	name string
	data string
}

// do sends one request with the stdlib client and returns status, body.
func oaiDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
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
	return resp.StatusCode, string(b)
}

// parseSSE splits a body into events, failing on anything but
// "event:"/"data:" lines and blank separators.
func oaiParseSSE(t *testing.T, body string) []oaiEvent {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", body[max(0, len(body)-40):])
	}
	var evs []oaiEvent
	for _, block := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		var ev oaiEvent
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			default:
				t.Fatalf("unexpected line %q", line)
			}
		}
		evs = append(evs, ev)
	}
	return evs
}

func oaiDecode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not JSON: %q: %v", s, err)
	}
	return m
}

func TestOpenAIChatFraming(t *testing.T) {
	srv := NewOpenAI()
	defer srv.Close()
	for _, path := range []string{"/v1/chat/completions", "/chat/completions", "/compatible-mode/v1/chat/completions"} {
		for _, usage := range []bool{true, false} {
			srv.Push(Script{Thinking: []string{"hm"}, Text: []string{"a", "<b>"}, Usage: providers.Usage{InputTokens: 9, OutputTokens: 2, CachedTokens: 4}})
			body := `{"model":"m","stream":true,"messages":[]}`
			if usage {
				body = `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}`
			}
			status, out := oaiDo(t, http.MethodPost, srv.URL+path, body)
			if status != http.StatusOK {
				t.Fatalf("%s: status %d: %s", path, status, out)
			}
			evs := oaiParseSSE(t, out)
			if last := evs[len(evs)-1]; last.data != "[DONE]" || last.name != "" {
				t.Fatalf("%s: last event %+v, want data: [DONE]", path, last)
			}
			var deltas []map[string]any
			var finish []any
			var usages []any
			for _, ev := range evs[:len(evs)-1] {
				m := oaiDecode(t, ev.data)
				if m["object"] != "chat.completion.chunk" || m["model"] != "m" {
					t.Errorf("chunk %s lacks object/model", ev.data)
				}
				u, hasUsage := m["usage"]
				if hasUsage != usage {
					t.Errorf("usage key present = %v with include_usage %v: %s", hasUsage, usage, ev.data)
				}
				choices := m["choices"].([]any)
				if len(choices) == 0 {
					usages = append(usages, u)
					continue
				}
				ch := choices[0].(map[string]any)
				deltas = append(deltas, ch["delta"].(map[string]any))
				finish = append(finish, ch["finish_reason"])
			}
			wantDeltas := []map[string]any{
				{"role": "assistant", "content": "", "refusal": nil},
				{"reasoning_content": "hm"},
				{"content": "a"},
				{"content": "<b>"},
				{},
			}
			if d := cmp.Diff(wantDeltas, deltas); d != "" {
				t.Errorf("%s deltas (-want +got):\n%s", path, d)
			}
			if d := cmp.Diff([]any{nil, nil, nil, nil, "stop"}, finish); d != "" {
				t.Errorf("%s finish reasons (-want +got):\n%s", path, d)
			}
			var wantUsage []any
			if usage {
				wantUsage = []any{map[string]any{
					"prompt_tokens": 9.0, "completion_tokens": 2.0, "total_tokens": 11.0,
					"prompt_tokens_details":     map[string]any{"cached_tokens": 4.0, "audio_tokens": 0.0},
					"completion_tokens_details": map[string]any{"reasoning_tokens": 0.0, "audio_tokens": 0.0, "accepted_prediction_tokens": 0.0, "rejected_prediction_tokens": 0.0},
				}}
			}
			if d := cmp.Diff(wantUsage, usages); d != "" {
				t.Errorf("%s usage chunks (-want +got):\n%s", path, d)
			}
		}
	}
}

func TestOpenAIResponsesFraming(t *testing.T) {
	srv := NewOpenAI()
	defer srv.Close()
	srv.Push(Script{Thinking: []string{"hm"}, Text: []string{"a", "b"}, Usage: providers.Usage{InputTokens: 9, OutputTokens: 2, CachedTokens: 4}})
	status, out := oaiDo(t, http.MethodPost, srv.URL+"/v1/responses", `{"model":"o3-pro","stream":true,"input":"hi"}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, out)
	}
	evs := oaiParseSSE(t, out)
	var names []string
	for i, ev := range evs {
		m := oaiDecode(t, ev.data)
		if m["type"] != ev.name {
			t.Errorf("event %q carries type %v", ev.name, m["type"])
		}
		if m["sequence_number"] != float64(i) {
			t.Errorf("event %d (%s): sequence_number %v", i, ev.name, m["sequence_number"])
		}
		names = append(names, ev.name)
	}
	want := []string{
		"response.created", "response.in_progress",
		"response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
		"response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
		"response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
		"response.output_text.done", "response.content_part.done", "response.output_item.done",
		"response.completed",
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Fatalf("event names (-want +got):\n%s", d)
	}
	done := oaiDecode(t, evs[len(evs)-1].data)["response"].(map[string]any)
	if done["status"] != "completed" || done["model"] != "o3-pro" {
		t.Errorf("completed response: status %v model %v", done["status"], done["model"])
	}
	wantUsage := map[string]any{"input_tokens": 9.0, "input_tokens_details": map[string]any{"cached_tokens": 4.0},
		"output_tokens": 2.0, "output_tokens_details": map[string]any{"reasoning_tokens": 0.0}, "total_tokens": 11.0}
	if d := cmp.Diff(wantUsage, done["usage"]); d != "" {
		t.Errorf("usage (-want +got):\n%s", d)
	}
	if n := len(done["output"].([]any)); n != 2 {
		t.Errorf("completed output has %d items, want 2", n)
	}
	if got := oaiDecode(t, evs[12].data)["text"]; got != "ab" {
		t.Errorf("output_text.done text = %v, want ab", got)
	}
}

func TestOpenAIResponsesEnds(t *testing.T) {
	tests := []struct {
		name   string
		wire   *OpenAI
		script Script
		last   string
		check  func(t *testing.T, m map[string]any)
	}{
		{"incomplete", &OpenAI{FinishReason: "length"}, Script{}, "response.incomplete", func(t *testing.T, m map[string]any) {
			r := m["response"].(map[string]any)
			if d := cmp.Diff(map[string]any{"reason": "max_output_tokens"}, r["incomplete_details"]); d != "" {
				t.Errorf("incomplete_details (-want +got):\n%s", d)
			}
		}},
		{"error event", &OpenAI{}, Script{Fault: FaultErrorEventAfter, After: 1, ErrorStatus: 429}, "error", func(t *testing.T, m map[string]any) {
			if m["code"] != "rate_limit_exceeded" || !strings.Contains(m["message"].(string), "Rate limit") {
				t.Errorf("error event %v", m)
			}
		}},
		{"response.failed", &OpenAI{ResponsesError: "response.failed"}, Script{Fault: FaultErrorEventAfter, After: 1}, "response.failed", func(t *testing.T, m map[string]any) {
			r := m["response"].(map[string]any)
			if r["status"] != "failed" || r["error"].(map[string]any)["code"] != "server_error" {
				t.Errorf("failed response %v", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(tt.wire)
			defer srv.Close()
			srv.Push(tt.script)
			_, out := oaiDo(t, http.MethodPost, srv.URL+"/v1/responses", `{"model":"o3-pro","stream":true,"input":"hi"}`)
			evs := oaiParseSSE(t, out)
			last := evs[len(evs)-1]
			if last.name != tt.last {
				t.Fatalf("last event %q, want %q", last.name, tt.last)
			}
			tt.check(t, oaiDecode(t, last.data))
		})
	}
}

func TestOpenAIErrorsAndPlainRoutes(t *testing.T) {
	srv := NewOpenAI()
	defer srv.Close()
	tests := []struct {
		name, method, path, body string
		script                   Script
		status                   int
		want                     map[string]any // a subset of the reply
	}{
		{"context too long", "POST", "/v1/chat/completions", `{"stream":true}`, Script{Status: 400, Message: OpenAIContextTooLong}, 400,
			map[string]any{"error": map[string]any{"message": OpenAIContextTooLong, "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}},
		{"insufficient quota", "POST", "/v1/responses", `{"stream":true}`, Script{Status: 429, ErrorType: "insufficient_quota"}, 429,
			map[string]any{"error": map[string]any{"message": OpenAIInsufficientQuota, "type": "insufficient_quota", "param": nil, "code": "insufficient_quota"}}},
		{"models", "GET", "/v1/models", ``, Script{}, 200, nil},
		{"unknown path", "POST", "/v1/embeddingz", `{}`, Script{}, 404, nil},
		{"non-streamed chat", "POST", "/v1/chat/completions", `{"model":"m"}`, Script{Text: []string{"x", "y"}}, 200, nil},
		{"non-streamed response", "POST", "/v1/responses", `{"model":"m"}`, Script{Text: []string{"x", "y"}}, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Push(tt.script)
			status, out := oaiDo(t, tt.method, srv.URL+tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, out)
			}
			m := oaiDecode(t, out)
			switch tt.name {
			case "models":
				if m["object"] != "list" || len(m["data"].([]any)) != len(DefaultOpenAIModels) {
					t.Errorf("model list %v", m)
				}
			case "unknown path":
				if e, ok := m["error"].(map[string]any); !ok || !strings.Contains(e["message"].(string), "/v1/embeddingz") {
					t.Errorf("404 body %v", m)
				}
			case "non-streamed chat":
				msg := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
				if m["object"] != "chat.completion" || msg["content"] != "xy" {
					t.Errorf("completion %v", m)
				}
			case "non-streamed response":
				if m["object"] != "response" || m["status"] != "completed" {
					t.Errorf("response %v", m)
				}
			default:
				if d := cmp.Diff(tt.want, m); d != "" {
					t.Errorf("body (-want +got):\n%s", d)
				}
			}
		})
	}
}
