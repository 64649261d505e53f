package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// TestFaults runs every scripted fault against both wire APIs and checks the
// classified error: kind, status and retry hint where they apply.
func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		wire       *providertest.OpenAI // nil: the default wire
		script     providertest.Script
		dead       bool          // connect to a closed port
		deadline   time.Duration // ctx deadline
		timeout    time.Duration // Config.Timeout (socket timeout)
		cancel     bool          // cancel ctx after the first event
		only       string        // "chat" or "responses" when the row applies to one API
		kind       providers.ErrorKind
		status     int
		retryAfter time.Duration
		incomplete bool
		msg        string // a piece of the vendor message the error must keep
	}{
		{name: "429 Retry-After seconds", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": "7"}}, kind: providers.KindRateLimited, status: 429, retryAfter: 7 * time.Second},
		{name: "429 retry-after-ms", script: providertest.Script{Status: 429, Headers: map[string]string{"retry-after-ms": "1500"}}, kind: providers.KindRateLimited, status: 429, retryAfter: 1500 * time.Millisecond},
		{name: "429 Retry-After HTTP date", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": providertest.RetryAt(time.Hour)}}, kind: providers.KindRateLimited, status: 429, retryAfter: time.Hour},
		{name: "429 hint only in the message", script: providertest.Script{Status: 429}, kind: providers.KindRateLimited, status: 429, retryAfter: 20 * time.Second},
		{name: "429 insufficient_quota", script: providertest.Script{Status: 429, ErrorType: "insufficient_quota"}, kind: providers.KindBilling, status: 429},
		{name: "503", script: providertest.Script{Status: 503}, kind: providers.KindOverloaded, status: 503},
		{name: "529 overloaded", script: providertest.Script{Status: 529, Message: "overloaded"}, kind: providers.KindOverloaded, status: 529},
		{name: "500", script: providertest.Script{Status: 500}, kind: providers.KindServer, status: 500},
		{name: "502 with an HTML body", script: providertest.Script{Status: 502, Body: "<html><body>502 Bad Gateway</body></html>", Headers: map[string]string{"Content-Type": "text/html"}}, kind: providers.KindServer, status: 502, msg: "502 Bad Gateway"},
		{name: "401", script: providertest.Script{Status: 401}, kind: providers.KindAuth, status: 401},
		{name: "403", script: providertest.Script{Status: 403}, kind: providers.KindAuth, status: 403},
		{name: "402", script: providertest.Script{Status: 402}, kind: providers.KindBilling, status: 402},
		{name: "400", script: providertest.Script{Status: 400}, kind: providers.KindBadRequest, status: 400},
		{name: "400 context too long", script: providertest.Script{Status: 400, Message: providertest.OpenAIContextTooLong}, kind: providers.KindContextTooLong, status: 400, msg: "maximum context length"},
		{name: "400 content policy", script: providertest.Script{Status: 400, ErrorType: "invalid_request_error", Body: `{"error":{"message":"Your request was rejected as a result of our safety system.","type":"invalid_request_error","param":null,"code":"content_policy_violation"}}`}, kind: providers.KindContentFiltered, status: 400},
		{name: "404 plain-text body from a local server", script: providertest.Script{Status: 404, Body: "404 page not found", Headers: map[string]string{"Content-Type": "text/plain"}}, kind: providers.KindBadRequest, status: 404, msg: "404 page not found"},
		{name: "connection refused", dead: true, kind: providers.KindNetwork},
		{name: "hang before headers, ctx deadline", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders}, deadline: 200 * time.Millisecond, kind: providers.KindTimeout},
		{name: "hang before headers, socket timeout", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders}, timeout: 200 * time.Millisecond, kind: providers.KindTimeout},
		{name: "cut after 2 chunks", script: providertest.Script{Fault: providertest.FaultCutAfter, After: 2}, kind: providers.KindNetwork},
		{name: "reset after 2 chunks", script: providertest.Script{Fault: providertest.FaultResetAfter, After: 2}, kind: providers.KindNetwork},
		{name: "reset before any chunk", script: providertest.Script{Fault: providertest.FaultResetAfter}, kind: providers.KindNetwork},
		{name: "malformed line", script: providertest.Script{Fault: providertest.FaultMalformedAfter, After: 2}, kind: providers.KindNetwork},
		{name: "mid-stream error", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 2}, kind: providers.KindServer, status: 500},
		{name: "mid-stream overloaded", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 1, ErrorStatus: 503}, kind: providers.KindOverloaded, status: 503},
		{name: "mid-stream rate limit", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 1, ErrorStatus: 429}, kind: providers.KindRateLimited, status: 429, retryAfter: 20 * time.Second},
		{name: "mid-stream context too long", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, ErrorStatus: 400, Message: providertest.OpenAIContextTooLong}, kind: providers.KindContextTooLong, status: 400},
		{name: "mid-stream insufficient_quota", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, ErrorStatus: 429, ErrorType: "insufficient_quota"}, kind: providers.KindBilling, status: 429},
		{name: "response.failed", wire: &providertest.OpenAI{ResponsesError: "response.failed"}, only: "responses", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 1}, kind: providers.KindServer, status: 500},
		{name: "response.failed rate limit", wire: &providertest.OpenAI{ResponsesError: "response.failed"}, only: "responses", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, ErrorStatus: 429}, kind: providers.KindRateLimited, status: 429, retryAfter: 20 * time.Second},
		{name: "no stop event", script: providertest.Script{Fault: providertest.FaultNoStop}, kind: providers.KindNetwork, incomplete: true},
		{name: "caller cancel", script: providertest.Script{Fault: providertest.FaultHangAfter, After: 1}, cancel: true, kind: providers.KindCanceled},
	}
	for _, api := range []string{"chat", "responses"} {
		for _, tt := range tests {
			if tt.only != "" && tt.only != api {
				continue
			}
			t.Run(api+"/"+tt.name, func(t *testing.T) {
				srv := newServer(t, tt.wire)
				cfg := providers.Config{APIKey: testKey, API: api, Timeout: tt.timeout}
				if tt.dead {
					cfg.BaseURL = providertest.DeadURL() + "/v1"
				}
				c := newTestClient(t, srv, cfg)
				srv.Push(tt.script)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				var err error
				for ev, e := range c.Stream(ctx, hello("gpt-4.1")) {
					if e != nil {
						err = e
						break
					}
					if tt.cancel && ev.IsContent() {
						cancel()
					}
				}
				checkErr(t, err, tt.kind, tt.status, tt.retryAfter)
				var pe *providers.Error
				if errors.As(err, &pe) && !strings.Contains(pe.Message, tt.msg) {
					t.Errorf("message = %q, want it to contain %q", pe.Message, tt.msg)
				}
				if n := srv.Total(); !tt.dead && n != 1 {
					t.Errorf("the server got %d requests, want 1: SDK retries must be off", n)
				}
				if tt.incomplete && !errors.Is(err, providers.ErrIncompleteStream) {
					t.Errorf("err = %v, want it to wrap ErrIncompleteStream", err)
				}
			})
		}
	}
}

func checkErr(t *testing.T, err error, kind providers.ErrorKind, status int, retryAfter time.Duration) {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *providers.Error", err, err)
	}
	if pe.Kind != kind {
		t.Errorf("kind = %v, want %v (err: %v)", pe.Kind, kind, err)
	}
	if status != 0 && pe.Status != status {
		t.Errorf("status = %d, want %d (err: %v)", pe.Status, status, err)
	}
	if retryAfter != 0 && !providertest.SameRetryAfter(pe.RetryAfter, retryAfter) {
		t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, retryAfter)
	}
	if pe.Provider != "openai" {
		t.Errorf("Provider = %q, want openai", pe.Provider)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("the API key leaked into the error: %v", err)
	}
}

// TestKeyScrubbed checks that a server echoing the key back does not put it
// into the classified error.
func TestKeyScrubbed(t *testing.T) {
	srv := newServer(t, nil)
	c := newTestClient(t, srv, providers.Config{APIKey: testKey})
	srv.Push(providertest.Script{Status: 401, Message: "Incorrect API key provided: " + testKey + "."})
	_, err := collect(t.Context(), c, hello("gpt-4.1"))
	checkErr(t, err, providers.KindAuth, 401, 0)
}

func TestRetryHint(t *testing.T) {
	tests := []struct {
		msg  string
		want time.Duration
	}{
		{"Rate limit reached for gpt-4o. Please try again in 20s.", 20 * time.Second},
		{"Please try again in 1.386s. Visit …", 1386 * time.Millisecond},
		{"Please try again in 120ms.", 120 * time.Millisecond},
		{"Please try again in 6m0s.", 6 * time.Minute},
		{"Please try again later.", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := retryHint(tt.msg); got != tt.want {
			t.Errorf("retryHint(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

func TestStreamErrorShapes(t *testing.T) {
	c := &Client{provider: "vllm"}
	tests := []struct {
		name, data string
		kind       providers.ErrorKind
		status     int
	}{
		{"openai chunk", `{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}`, providers.KindServer, 500},
		{"numeric code (vLLM)", `{"error":{"object":"error","message":"too many","type":"BadRequestError","param":null,"code":429}}`, providers.KindRateLimited, 429},
		{"string error", `{"error":"upstream timed out"}`, providers.KindServer, 500},
		{"responses error event", `{"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null,"sequence_number":3}`, providers.KindRateLimited, 429},
		{"responses nested error", `{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Your input exceeds the context window of this model."},"sequence_number":2}`, providers.KindContextTooLong, 400},
		{"invalid_prompt is a content block", `{"code":"invalid_prompt","message":"Invalid prompt: flagged"}`, providers.KindContentFiltered, 400},
		{"empty", ``, providers.KindServer, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.streamError([]byte(tt.data), nil)
			if e.Kind != tt.kind || e.Status != tt.status {
				t.Errorf("streamError(%s) = %v/%d, want %v/%d", tt.data, e.Kind, e.Status, tt.kind, tt.status)
			}
		})
	}
}

// A connection cut after finish_reason (before the usage chunk and
// [DONE]) leaves a whole answer: it ends with done, not an error. A cut
// before finish_reason is still an incomplete stream.
func TestCutAfterFinishReason(t *testing.T) {
	chunk := func(content, finish string) string {
		fr := "null"
		if finish != "" {
			fr = `"` + finish + `"`
		}
		return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":` + fr + `}]}` + "\n\n"
	}
	tests := []struct {
		name     string
		body     string
		wantKind providers.ErrorKind // 0: success
	}{
		{"cut after finish_reason", chunk("Hi", "") + chunk("!", "stop"), 0},
		{"cut before finish_reason", chunk("Hi", "") + chunk("!", ""), providers.KindNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, tt.body)
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}))
			t.Cleanup(srv.Close)
			c, err := New(providers.Config{BaseURL: srv.URL + "/v1", APIKey: testKey})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			evs, err := collect(t.Context(), c, hello("gpt-4.1"))
			var text string
			for _, ev := range evs {
				text += ev.Text
			}
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("err = %v, want a done event", err)
				}
				if last := evs[len(evs)-1]; last.Kind != providers.EventDone || last.Text != "stop" || text != "Hi!stop" {
					t.Fatalf("events = %+v", evs)
				}
				return
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tt.wantKind {
				t.Fatalf("err = %v, want kind %v", err, tt.wantKind)
			}
		})
	}
}
