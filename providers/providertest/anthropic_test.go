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

// post sends body to the fake and returns the response and its body.
func anthropicPost(t *testing.T, s *Server, body string) (*http.Response, string) {
	t.Helper()
	res, err := http.Post(s.URL+"/v1/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// sseEvents splits an SSE body into event names, and checks that every data
// line is one JSON object whose "type" matches its event name.
func sseEvents(t *testing.T, body string) []string {
	t.Helper()
	var names []string
	for _, frame := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		name, data, ok := strings.Cut(frame, "\ndata: ")
		if !ok || !strings.HasPrefix(name, "event: ") {
			t.Fatalf("bad frame %q", frame)
		}
		name = strings.TrimPrefix(name, "event: ")
		var v struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("event %s: data %q: %v", name, data, err)
		}
		if v.Type != name {
			t.Errorf("event %s carries type %q", name, v.Type)
		}
		names = append(names, name)
	}
	return names
}

func TestAnthropicStreamFraming(t *testing.T) {
	s := NewAnthropic()
	defer s.Close()
	s.Push(Script{Thinking: []string{"hmm"}, Text: []string{"a", "b"}, Usage: providers.Usage{InputTokens: 5, OutputTokens: 2, CachedTokens: 1}})
	res, body := anthropicPost(t, s, `{"model":"claude-sonnet-4-5","stream":true,"max_tokens":10,"messages":[]}`)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	want := []string{
		"message_start",
		"content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop", // thinking + signature
		"content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop",
	}
	if diff := cmp.Diff(want, sseEvents(t, body)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, frag := range []string{
		`"model":"claude-sonnet-4-5"`, `"cache_read_input_tokens":1`, `"input_tokens":4`, // Anthropic counts the cached token apart
		`"index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}`, `"type":"signature_delta"`,
		`"index":1,"content_block":{"type":"text","text":""}`, `"index":1,"delta":{"type":"text_delta","text":"b"}`,
		`"stop_reason":"end_turn"`, `"usage":{"output_tokens":2}`,
	} {
		if !strings.Contains(body, frag) {
			t.Errorf("stream lacks %s", frag)
		}
	}
}

func TestAnthropicErrors(t *testing.T) {
	s := NewAnthropic()
	defer s.Close()
	s.Push(Script{Status: 529}, Script{Text: []string{"x", "y"}, Fault: FaultErrorEventAfter, After: 1, ErrorType: "overloaded_error", Message: "Overloaded"})
	res, body := anthropicPost(t, s, `{"model":"m","stream":true}`)
	if res.StatusCode != 529 || res.Header.Get("request-id") == "" {
		t.Errorf("status %d, request-id %q", res.StatusCode, res.Header.Get("request-id"))
	}
	var env struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if env.Type != "error" || env.Error.Type != "overloaded_error" || env.Error.Message != "Overloaded" || env.RequestID != res.Header.Get("request-id") {
		t.Errorf("error body = %s", body)
	}

	_, body = anthropicPost(t, s, `{"model":"m","stream":true}`)
	names := sseEvents(t, body)
	if got := names[len(names)-1]; got != "error" {
		t.Errorf("last event = %s, want error; body:\n%s", got, body)
	}
	if !strings.Contains(body, `data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`) {
		t.Errorf("error event body:\n%s", body)
	}
}

func TestAnthropicPlainRoutes(t *testing.T) {
	s := NewAnthropic()
	defer s.Close()
	s.Push(Script{Text: []string{"Hi", "!"}, Usage: providers.Usage{InputTokens: 3, OutputTokens: 1}})
	res, body := anthropicPost(t, s, `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[]}`)
	if res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", res.Header.Get("Content-Type"))
	}
	var msg struct {
		Model   string `json:"model"`
		Content []struct {
			Type, Text string
		} `json:"content"`
		StopReason string `json:"stop_reason"`
		Usage      struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Model != "claude-haiku-4-5" || len(msg.Content) != 1 || msg.Content[0].Text != "Hi!" || msg.StopReason != "end_turn" || msg.Usage.InputTokens != 3 {
		t.Errorf("message = %s", body)
	}

	res2, err := http.Get(s.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Body.Close()
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.NewDecoder(res2.Body).Decode(&list); err != nil || len(list.Data) == 0 {
		t.Errorf("models: %v %+v", err, list)
	}

	_, body = anthropicPost(t, s, `{"model":"m"}`)
	if !strings.Contains(body, `"input_tokens"`) {
		t.Errorf("non-stream default reply = %s", body)
	}
	res4, err := http.Post(s.URL+"/v1/complete", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res4.Body.Close()
	if res4.StatusCode != http.StatusNotFound {
		t.Errorf("unknown route status = %d, want 404", res4.StatusCode)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s", "\n\r\t\x00\x1f", "<a>&", "ünï 日本"} {
		got := string(appendJSONString(nil, s))
		want, _ := json.Marshal(s)
		if got != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}
