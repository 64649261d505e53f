package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKindForStatus(t *testing.T) {
	tests := []struct {
		status int
		msg    string
		want   ErrorKind
	}{
		{429, "rate limit reached", KindRateLimited},
		{429, `{"error":{"code":"insufficient_quota"}}`, KindBilling},
		{529, "overloaded_error", KindOverloaded},
		{503, "", KindOverloaded},
		{500, "", KindServer},
		{502, "", KindServer},
		{504, "", KindServer},
		{500, "the model is overloaded", KindOverloaded},
		{408, "", KindTimeout},
		{401, "", KindAuth},
		{403, "", KindAuth},
		{402, "", KindBilling},
		{413, "", KindContextTooLong},
		{400, "prompt is too long: 210000 tokens > 200000 maximum", KindContextTooLong},
		{400, "This model's maximum context length is 128000 tokens.", KindContextTooLong},
		{400, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", KindContextTooLong},
		{400, "Range of input length should be [1, 30720]", KindContextTooLong},
		{400, "invalid temperature", KindBadRequest},
		{404, "model not found", KindBadRequest},
	}
	for _, tt := range tests {
		if got := KindForStatus(tt.status, tt.msg); got != tt.want {
			t.Errorf("KindForStatus(%d, %q) = %v, want %v", tt.status, tt.msg, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"ms wins", http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"1500"}}, 1500 * time.Millisecond},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"anthropic reset", http.Header{"Anthropic-Ratelimit-Requests-Reset": {now.Add(20 * time.Second).Format(time.RFC3339)}}, 20 * time.Second},
		{"openai resets, largest wins", http.Header{"X-Ratelimit-Reset-Requests": {"20ms"}, "X-Ratelimit-Reset-Tokens": {"6m0s"}}, 6 * time.Minute},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"reset as unix seconds", http.Header{"X-Ratelimit-Reset": {fmt.Sprint(now.Add(30 * time.Second).Unix())}}, 30 * time.Second},
		{"reset as unix ms", http.Header{"X-Ratelimit-Reset": {fmt.Sprint(now.Add(1500 * time.Millisecond).UnixMilli())}}, 1500 * time.Millisecond},
		{"reset as seconds", http.Header{"X-Ratelimit-Reset": {"12"}}, 12 * time.Second},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.h, now); got != tt.want {
			t.Errorf("%s: RetryAfter = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTransportError(t *testing.T) {
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{context.Canceled, KindCanceled},
		{fmt.Errorf("read: %w", context.DeadlineExceeded), KindTimeout},
		{syscall.ECONNREFUSED, KindNetwork},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), KindNetwork},
		{io.ErrUnexpectedEOF, KindNetwork},
		{ErrIncompleteStream, KindNetwork},
	}
	for _, tt := range tests {
		if got := TransportError("p", tt.err).Kind; got != tt.want {
			t.Errorf("TransportError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestErrorMessageAndUnwrap(t *testing.T) {
	cause := errors.New("boom")
	e := &Error{Provider: "anthropic", Kind: KindRateLimited, Status: 429, RetryAfter: 2 * time.Second, Message: "slow down", Err: cause}
	if got := e.Error(); got != "anthropic: rate_limited (HTTP 429): slow down (retry after 2s)" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, cause) {
		t.Error("Unwrap lost the cause")
	}
	if AsError("x", fmt.Errorf("wrapped: %w", e)) != e {
		t.Error("AsError did not find the wrapped *Error")
	}
	var k ErrorKind
	if err := k.UnmarshalText([]byte("context_too_long")); err != nil || k != KindContextTooLong {
		t.Errorf("UnmarshalText: %v %v", k, err)
	}
	if !strings.HasSuffix(Shorten(strings.Repeat("a", 400), 10), "…") {
		t.Error("Shorten did not trim")
	}
}

// Vendors send rate-limit reset headers on every reply; only a 429 may take
// them as a hint, or a 503 would cool a bucket down for minutes.
func TestStatusErrorResetHeadersOnlyFor429(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	resets := http.Header{
		"X-Ratelimit-Reset-Tokens":           {"6m0s"},
		"Anthropic-Ratelimit-Tokens-Reset":   {now.Add(time.Minute).Format(time.RFC3339)},
		"Anthropic-Ratelimit-Requests-Reset": {now.Add(20 * time.Second).Format(time.RFC3339)},
	}
	withRetryAfter := resets.Clone()
	withRetryAfter.Set("Retry-After", "3")
	tests := []struct {
		name   string
		status int
		h      http.Header
		want   time.Duration
	}{
		{"429 takes the largest reset", 429, resets, 6 * time.Minute},
		{"503 ignores resets", 503, resets, 0},
		{"500 ignores resets", 500, resets, 0},
		{"503 takes Retry-After", 503, withRetryAfter, 3 * time.Second},
		{"429 prefers Retry-After", 429, withRetryAfter, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StatusError("p", tt.status, tt.h, "", now).RetryAfter; got != tt.want {
				t.Errorf("RetryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}
