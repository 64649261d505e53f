package anthropic

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestStreamFaults(t *testing.T) {
	midStream := func(errType string, status int, msg string) providertest.Script {
		return providertest.Script{Text: []string{"a", "b", "c"}, Fault: providertest.FaultErrorEventAfter, After: 2, ErrorType: errType, ErrorStatus: status, Message: msg}
	}
	tests := []struct {
		name        string
		script      providertest.Script
		dead        bool          // connect to a closed port
		ctxTimeout  time.Duration // caller deadline; 0 is none
		sockTimeout time.Duration // Config.Timeout
		wantKind    providers.ErrorKind
		wantStatus  int
		wantRetry   time.Duration
		wantContent int    // content events before the error
		wantMsg     string // substring of the error text
		wantIs      error
	}{
		{name: "429 retry-after seconds", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": "7"}},
			wantKind: providers.KindRateLimited, wantStatus: 429, wantRetry: 7 * time.Second, wantMsg: "rate_limit_error"},
		{name: "429 retry-after-ms", script: providertest.Script{Status: 429, Headers: map[string]string{"retry-after-ms": "1500"}},
			wantKind: providers.KindRateLimited, wantStatus: 429, wantRetry: 1500 * time.Millisecond},
		{name: "429 Retry-After HTTP date", script: providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": providertest.RetryAt(time.Hour)}},
			wantKind: providers.KindRateLimited, wantStatus: 429, wantRetry: 59 * time.Minute},
		{name: "429 ratelimit reset header", script: providertest.Script{Status: 429, Headers: map[string]string{"anthropic-ratelimit-requests-reset": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}},
			wantKind: providers.KindRateLimited, wantStatus: 429, wantRetry: 50 * time.Minute},
		{name: "503", script: providertest.Script{Status: 503}, wantKind: providers.KindOverloaded, wantStatus: 503},
		{name: "529 overloaded_error", script: providertest.Script{Status: 529}, wantKind: providers.KindOverloaded, wantStatus: 529, wantMsg: "overloaded_error: Overloaded"},
		{name: "500 ignores ratelimit reset", script: providertest.Script{Status: 500, Headers: map[string]string{"anthropic-ratelimit-tokens-reset": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}},
			wantKind: providers.KindServer, wantStatus: 500, wantMsg: "api_error"},
		{name: "502 html from a proxy", script: providertest.Script{Status: 502, Body: "<html>bad gateway</html>", Headers: map[string]string{"Content-Type": "text/html"}},
			wantKind: providers.KindServer, wantStatus: 502, wantMsg: "bad gateway"},
		{name: "401", script: providertest.Script{Status: 401}, wantKind: providers.KindAuth, wantStatus: 401, wantMsg: "authentication_error"},
		{name: "403", script: providertest.Script{Status: 403}, wantKind: providers.KindAuth, wantStatus: 403},
		{name: "402 billing_error", script: providertest.Script{Status: 402}, wantKind: providers.KindBilling, wantStatus: 402},
		{name: "400 credit balance too low", script: providertest.Script{Status: 400, Message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."},
			wantKind: providers.KindBilling, wantStatus: 400},
		{name: "400", script: providertest.Script{Status: 400, Message: "messages.0.content: text content blocks must be non-empty"},
			wantKind: providers.KindBadRequest, wantStatus: 400, wantMsg: "request-id req_fake"},
		{name: "400 prompt is too long", script: providertest.Script{Status: 400, Message: providertest.AnthropicPromptTooLong},
			wantKind: providers.KindContextTooLong, wantStatus: 400, wantMsg: "210000 tokens > 200000 maximum"},
		{name: "404 unknown model", script: providertest.Script{Status: 404}, wantKind: providers.KindBadRequest, wantStatus: 404},
		{name: "413 request_too_large", script: providertest.Script{Status: 413}, wantKind: providers.KindContextTooLong, wantStatus: 413},
		{name: "connection refused", dead: true, wantKind: providers.KindNetwork},
		{name: "hang before headers, caller deadline", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders},
			ctxTimeout: 100 * time.Millisecond, wantKind: providers.KindTimeout, wantIs: context.DeadlineExceeded},
		{name: "hang before headers, socket timeout", script: providertest.Script{Fault: providertest.FaultHangBeforeHeaders},
			sockTimeout: 100 * time.Millisecond, wantKind: providers.KindTimeout},
		{name: "cut after 2 chunks", script: providertest.Script{Text: []string{"a", "b", "c"}, Fault: providertest.FaultCutAfter, After: 2},
			wantKind: providers.KindNetwork, wantContent: 2},
		{name: "reset after 2 chunks", script: providertest.Script{Text: []string{"a", "b", "c"}, Fault: providertest.FaultResetAfter, After: 2},
			wantKind: providers.KindNetwork, wantContent: 2, wantMsg: "reset"},
		{name: "reset before any chunk", script: providertest.Script{Fault: providertest.FaultResetAfter},
			wantKind: providers.KindNetwork},
		{name: "malformed line", script: providertest.Script{Text: []string{"a", "b"}, Fault: providertest.FaultMalformedAfter, After: 1},
			wantKind: providers.KindNetwork, wantContent: 1, wantMsg: "malformed stream event"},
		{name: "no stop event", script: providertest.Script{Text: []string{"a", "b"}, Fault: providertest.FaultNoStop},
			wantKind: providers.KindNetwork, wantContent: 2, wantIs: providers.ErrIncompleteStream},
		{name: "mid-stream overloaded_error", script: midStream("overloaded_error", 529, "Overloaded"),
			wantKind: providers.KindOverloaded, wantStatus: 529, wantContent: 2},
		{name: "mid-stream rate_limit_error", script: midStream("rate_limit_error", 429, ""),
			wantKind: providers.KindRateLimited, wantStatus: 429, wantContent: 2},
		{name: "mid-stream api_error", script: midStream("api_error", 500, ""),
			wantKind: providers.KindServer, wantStatus: 500, wantContent: 2},
		{name: "mid-stream prompt too long", script: midStream("invalid_request_error", 400, providertest.AnthropicPromptTooLong),
			wantKind: providers.KindContextTooLong, wantStatus: 400, wantContent: 2},
		{name: "mid-stream invalid_request_error", script: midStream("invalid_request_error", 400, "bad"),
			wantKind: providers.KindBadRequest, wantStatus: 400, wantContent: 2},
		{name: "mid-stream authentication_error", script: midStream("authentication_error", 401, ""),
			wantKind: providers.KindAuth, wantStatus: 401, wantContent: 2},
		{name: "mid-stream unknown type", script: midStream("brand_new_error", 0, "?"),
			wantKind: providers.KindServer, wantStatus: 500, wantContent: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.script)
			url := s.URL
			if tt.dead {
				url = providertest.DeadURL()
			}
			c := newClient(t, providers.Config{BaseURL: url, APIKey: "sk-ant-secret-123", Timeout: tt.sockTimeout})
			ctx := t.Context()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			evs, err := collect(ctx, c, hello())
			t.Logf("error: %v", err)
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v (%T), want *providers.Error; events %v", err, err, evs)
			}
			if pe.Kind != tt.wantKind || pe.Status != tt.wantStatus {
				t.Errorf("kind, status = %v, %d, want %v, %d (%v)", pe.Kind, pe.Status, tt.wantKind, tt.wantStatus, err)
			}
			if pe.Provider != ID {
				t.Errorf("provider = %q, want %q", pe.Provider, ID)
			}
			// Header reset times are read against the clock: allow slack.
			if tt.wantRetry < time.Minute && pe.RetryAfter != tt.wantRetry || tt.wantRetry >= time.Minute && pe.RetryAfter < tt.wantRetry {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.wantRetry)
			}
			content := 0
			for _, ev := range evs {
				if ev.IsContent() {
					content++
				} else {
					t.Errorf("unexpected %v event before the error", ev.Kind)
				}
			}
			if content != tt.wantContent {
				t.Errorf("content events = %d, want %d", content, tt.wantContent)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if strings.Contains(err.Error(), "sk-ant-secret-123") {
				t.Errorf("error leaks the API key: %v", err)
			}
		})
	}
}

// TestToProviderErr covers the branches that need no server.
func TestToProviderErr(t *testing.T) {
	c := &Client{name: "anthropic-eu"}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeoutCause(context.Background(), 0, errors.New("first token deadline"))
	defer cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want providers.ErrorKind
	}{
		{"already classified", context.Background(), &providers.Error{Kind: providers.KindBilling}, providers.KindBilling},
		{"canceled ctx wins over the SDK's error", canceled, errors.New("read: use of closed network connection"), providers.KindCanceled},
		{"deadline with a cause", expired, errors.New("anything"), providers.KindTimeout},
		{"token source", context.Background(), &tokenError{errors.New("refresh failed")}, providers.KindAuth},
		{"invalid request", context.Background(), errInvalidRequest, providers.KindBadRequest},
		{"refusal", context.Background(), errRefusal, providers.KindContentFiltered},
		{"unknown transport failure", context.Background(), errors.New("tls: weird"), providers.KindNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.toProviderErr(tt.ctx, tt.err)
			if got.Kind != tt.want {
				t.Errorf("kind = %v, want %v (%v)", got.Kind, tt.want, got)
			}
		})
	}
	if got := c.toProviderErr(expired, errors.New("x")); !strings.Contains(got.Error(), "first token deadline") {
		t.Errorf("deadline error %q does not name its cause", got)
	}
	if got := c.toProviderErr(context.Background(), errRefusal); got.Provider != "anthropic-eu" {
		t.Errorf("provider = %q, want the config's name", got.Provider)
	}
}
