package gemini

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

const quotaMessage = "You exceeded your current quota, please check your plan and billing details. " +
	"For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. " +
	"* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash\nPlease retry in 12.5s."

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		script     providertest.Script
		deadURL    bool
		timeout    time.Duration // ctx deadline
		socket     time.Duration // Config.Timeout
		cancelAt   int           // cancel the ctx after this many content events (0: never)
		kind       providers.ErrorKind
		status     int
		retryAfter time.Duration
		content    int // content events before the error
		incomplete bool
	}{
		{name: "429 Retry-After seconds", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": "7"}},
			kind: providers.KindRateLimited, status: 429, retryAfter: 7 * time.Second},
		{name: "429 retry-after-ms", script: providertest.Script{Status: 429, Headers: map[string]string{"retry-after-ms": "1500"}},
			kind: providers.KindRateLimited, status: 429, retryAfter: 1500 * time.Millisecond},
		{name: "429 Retry-After HTTP date", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": providertest.RetryAt(time.Hour)}},
			kind: providers.KindRateLimited, status: 429, retryAfter: time.Hour},
		{name: "429 RetryInfo in body, quota wording", script: providertest.Script{Status: 429,
			Body: providertest.GeminiErrorBody(429, "RESOURCE_EXHAUSTED", quotaMessage, providertest.GeminiRetryInfo(12*time.Second))},
			kind: providers.KindRateLimited, status: 429, retryAfter: 12 * time.Second},
		{name: "429 prepayment credits depleted", script: providertest.Script{Status: 429,
			Message: "Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing."},
			kind: providers.KindBilling, status: 429},
		{name: "503 model overloaded", script: providertest.Script{Status: 503},
			kind: providers.KindOverloaded, status: 503},
		{name: "529 overloaded", script: providertest.Script{Status: 529},
			kind: providers.KindOverloaded, status: 529},
		{name: "500 internal", script: providertest.Script{Status: 500},
			kind: providers.KindServer, status: 500},
		{name: "401", script: providertest.Script{Status: 401}, kind: providers.KindAuth, status: 401},
		{name: "403", script: providertest.Script{Status: 403}, kind: providers.KindAuth, status: 403},
		{name: "402", script: providertest.Script{Status: 402}, kind: providers.KindBilling, status: 402},
		{name: "400", script: providertest.Script{Status: 400}, kind: providers.KindBadRequest, status: 400},
		{name: "404 unknown model", script: providertest.Script{Status: 404}, kind: providers.KindBadRequest, status: 404},
		{name: "400 API key not valid", script: providertest.Script{Status: 400, Body: providertest.GeminiErrorBody(400, "INVALID_ARGUMENT",
			"API key not valid. Please pass a valid API key.",
			map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"})},
			kind: providers.KindAuth, status: 400},
		{name: "400 context too long", script: providertest.Script{Status: 400,
			Message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."},
			kind: providers.KindContextTooLong, status: 400},
		{name: "connection refused", deadURL: true, kind: providers.KindNetwork},
		{name: "hang before headers, ctx deadline", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders},
			timeout: 150 * time.Millisecond, kind: providers.KindTimeout},
		{name: "hang before headers, socket timeout", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders},
			socket: 150 * time.Millisecond, kind: providers.KindTimeout},
		{name: "cut after 2 chunks", script: providertest.Script{Fault: providertest.FaultCutAfter, After: 2},
			kind: providers.KindNetwork, content: 2},
		{name: "cut before any chunk", script: providertest.Script{Fault: providertest.FaultCutAfter},
			kind: providers.KindNetwork},
		{name: "reset after 2 chunks", script: providertest.Script{Fault: providertest.FaultResetAfter, After: 2},
			kind: providers.KindNetwork, content: 2},
		{name: "reset before any chunk", script: providertest.Script{Fault: providertest.FaultResetAfter},
			kind: providers.KindNetwork},
		{name: "malformed line", script: providertest.Script{Fault: providertest.FaultMalformedAfter, After: 1},
			kind: providers.KindNetwork, content: 1},
		{name: "mid-stream 429", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 2, ErrorStatus: 429, Message: quotaMessage},
			kind: providers.KindRateLimited, status: 429, content: 2},
		{name: "mid-stream 503", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 1, ErrorStatus: 503},
			kind: providers.KindOverloaded, status: 503, content: 1},
		{name: "mid-stream 500", script: providertest.Script{Fault: providertest.FaultErrorEventAfter, After: 1},
			kind: providers.KindServer, status: 500, content: 1},
		{name: "no stop event", script: providertest.Script{Fault: providertest.FaultNoStop},
			kind: providers.KindNetwork, content: len(providertest.DefaultText), incomplete: true},
		{name: "answer blocked: SAFETY", script: providertest.Script{ErrorType: "SAFETY"},
			kind: providers.KindContentFiltered},
		{name: "answer blocked: RECITATION", script: providertest.Script{ErrorType: "RECITATION"},
			kind: providers.KindContentFiltered},
		{name: "prompt blocked", script: providertest.Script{ErrorType: "prompt:SAFETY"},
			kind: providers.KindContentFiltered},
		{name: "caller cancel", script: providertest.Script{Delay: 20 * time.Millisecond, Text: []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
			cancelAt: 1, kind: providers.KindCanceled, content: 1},
	}
	srv := newServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := srv.URL
			if tt.deadURL {
				base = providertest.DeadURL()
			} else {
				srv.Push(tt.script)
			}
			before := srv.Total()
			tr := defaultTransport(tt.socket)
			t.Cleanup(tr.CloseIdleConnections)
			c := newClient(t, providers.Config{BaseURL: base, APIKey: "k", HTTPClient: &http.Client{Transport: tr}})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			content := 0
			var perr *providers.Error
			for ev, err := range c.Stream(ctx, hello("gemini-2.5-flash")) {
				if perr != nil {
					t.Fatalf("event after error: %+v %v", ev, err)
				}
				if err != nil {
					if !errors.As(err, &perr) {
						t.Fatalf("error %T is not *providers.Error: %v", err, err)
					}
					continue
				}
				if ev.Kind == providers.EventDone || ev.Kind == providers.EventUsage {
					t.Fatalf("got %v, want an error", ev.Kind)
				}
				content++
				if content == tt.cancelAt {
					cancel()
				}
			}
			if perr == nil {
				t.Fatal("no error")
			}
			got := struct {
				Kind       providers.ErrorKind
				Status     int
				RetryAfter time.Duration
				Content    int
				Incomplete bool
			}{perr.Kind, perr.Status, perr.RetryAfter, content, errors.Is(perr, providers.ErrIncompleteStream)}
			if providertest.SameRetryAfter(got.RetryAfter, tt.retryAfter) {
				got.RetryAfter = tt.retryAfter // a hint read from a clock time
			}
			want := got
			want.Kind, want.Status, want.RetryAfter, want.Content, want.Incomplete = tt.kind, tt.status, tt.retryAfter, tt.content, tt.incomplete
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%v\n(-want +got):\n%s", perr, d)
			}
			if perr.Provider != "gemini" {
				t.Errorf("Provider = %q", perr.Provider)
			}
			// The SDK never retries or resumes: one request per call.
			if n := srv.Total() - before; !tt.deadURL && n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
		})
	}
}

func TestAnswerCutBySafety(t *testing.T) {
	srv := newServer(t)
	srv.Push(providertest.Script{ErrorType: "SAFETY", Text: []string{"Here is", " how"}})
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	evs, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if last := evs[len(evs)-1]; last.Kind != providers.EventDone || last.Text != "SAFETY" {
		t.Errorf("last event = %+v, want done SAFETY", last)
	}
	if len(evs) != 4 {
		t.Errorf("got %d events, want 2 text + usage + done", len(evs))
	}
}

func TestAPIErrorClassification(t *testing.T) {
	tests := []struct {
		name       string
		err        genai.APIError
		meta       *respMeta
		kind       providers.ErrorKind
		status     int
		retryAfter time.Duration
	}{
		{name: "status name only", err: genai.APIError{Status: "UNAVAILABLE", Message: "The model is overloaded."},
			kind: providers.KindOverloaded, status: 503},
		{name: "no code, no status", err: genai.APIError{Message: "?"}, kind: providers.KindServer, status: 500},
		{name: "429 header and RetryInfo: the larger wins", err: genai.APIError{Code: 429, Status: "RESOURCE_EXHAUSTED",
			Details: []map[string]any{{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.5s"}}},
			meta: &respMeta{status: 429, header: http.Header{"Retry-After": {"3"}}},
			kind: providers.KindRateLimited, status: 429, retryAfter: 3 * time.Second},
		{name: "RetryInfo object form", err: genai.APIError{Code: 429, Details: []map[string]any{
			{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": map[string]any{"seconds": "20", "nanos": 5e8}}}},
			kind: providers.KindRateLimited, status: 429, retryAfter: 20500 * time.Millisecond},
		{name: "headers of a 200 are not an error's", err: genai.APIError{Code: 500},
			meta: &respMeta{status: 200, header: http.Header{"Retry-After": {"9"}}}, kind: providers.KindServer, status: 500},
		{name: "UNAUTHENTICATED on 400", err: genai.APIError{Code: 400, Status: "UNAUTHENTICATED"}, kind: providers.KindAuth, status: 400},
		{name: "DEADLINE_EXCEEDED", err: genai.APIError{Code: 504, Status: "DEADLINE_EXCEEDED"}, kind: providers.KindServer, status: 504},
	}
	c := &Client{name: "gemini"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.toProviderErr(context.Background(), tt.err, tt.meta)
			if e.Kind != tt.kind || e.Status != tt.status || e.RetryAfter != tt.retryAfter {
				t.Errorf("got %v/%d/%v, want %v/%d/%v", e.Kind, e.Status, e.RetryAfter, tt.kind, tt.status, tt.retryAfter)
			}
		})
	}
}

// TestNoAutomaticContinuation: the SDK resumes a dropped stream that carried
// a continuation token by sending the request again; the adapter turns that
// off, so a drop is one request and one network error for the balancer.
func TestNoAutomaticContinuation(t *testing.T) {
	var n atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"},"index": 0,"continuationToken": "YWJj"}]}`+"\r\n\r\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(hs.Close)
	c := newClient(t, providers.Config{BaseURL: hs.URL, APIKey: "k"})
	_, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err == nil || err.Kind != providers.KindNetwork {
		t.Fatalf("err = %v, want network", err)
	}
	if n.Load() != 1 {
		t.Errorf("server got %d requests, want 1", n.Load())
	}
}
