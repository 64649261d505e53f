package gemini

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
)

// googleStatus maps Google's canonical status names to the HTTP code they
// stand for, for errors whose "code" is missing (mid-stream error chunks).
var googleStatus = map[string]int{
	"INVALID_ARGUMENT":    http.StatusBadRequest,
	"FAILED_PRECONDITION": http.StatusBadRequest,
	"OUT_OF_RANGE":        http.StatusBadRequest,
	"UNAUTHENTICATED":     http.StatusUnauthorized,
	"PERMISSION_DENIED":   http.StatusForbidden,
	"NOT_FOUND":           http.StatusNotFound,
	"ABORTED":             http.StatusConflict,
	"ALREADY_EXISTS":      http.StatusConflict,
	"RESOURCE_EXHAUSTED":  http.StatusTooManyRequests,
	"CANCELLED":           499,
	"INTERNAL":            http.StatusInternalServerError,
	"UNKNOWN":             http.StatusInternalServerError,
	"DATA_LOSS":           http.StatusInternalServerError,
	"NOT_IMPLEMENTED":     http.StatusNotImplemented,
	"UNIMPLEMENTED":       http.StatusNotImplemented,
	"UNAVAILABLE":         http.StatusServiceUnavailable,
	"DEADLINE_EXCEEDED":   http.StatusGatewayTimeout,
}

// toProviderErr is the adapter's one conversion of a failure into a
// classified *providers.Error:
//
//   - a cancelled or expired ctx wins: KindCanceled / KindTimeout;
//   - a failing Config.Token: KindAuth (the request was never sent);
//   - a genai.APIError, from an HTTP error status or a "data: {"error": …}"
//     chunk inside an HTTP 200, goes through providers.StatusError with the
//     response headers the transport recorded (only for an HTTP error, not
//     for a mid-stream one), then gets Google's specifics, see [refine];
//   - anything else (refused, reset, EOF, a malformed chunk) through
//     providers.TransportError.
func (c *Client) toProviderErr(ctx context.Context, err error, meta *respMeta) *providers.Error {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e := providers.TransportError(c.name, ctxErr)
		if errors.Is(err, ctxErr) {
			e.Err = err
		} else {
			e.Err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return e
	}
	var te *tokenError
	if errors.As(err, &te) {
		return &providers.Error{Provider: c.name, Kind: providers.KindAuth, Message: providers.Shorten(te.Error(), 300), Err: te}
	}
	if ae, ok := asAPIError(err); ok {
		return c.apiError(ae, meta)
	}
	e := providers.TransportError(c.name, err)
	e.Message = providers.Shorten(err.Error(), 300) // a malformed chunk's error quotes the chunk
	return e
}

func asAPIError(err error) (genai.APIError, bool) {
	var v genai.APIError
	if errors.As(err, &v) {
		return v, true
	}
	var p *genai.APIError
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return genai.APIError{}, false
}

// apiError classifies a Google error object.
func (c *Client) apiError(ae genai.APIError, meta *respMeta) *providers.Error {
	status := ae.Code
	if status == 0 {
		status = googleStatus[strings.ToUpper(ae.Status)]
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var header http.Header
	if meta != nil && meta.status == status {
		header = meta.header // an HTTP error, not an error chunk inside a 200
	}
	e := providers.StatusError(c.name, status, header, ae.Message, time.Now())
	e.Err = ae
	refine(e, ae)
	return e
}

// refine applies what Google's error body says beyond the HTTP status:
//
//   - 429 RESOURCE_EXHAUSTED is KindRateLimited: Google words its
//     per-minute quota errors "You exceeded your current quota, please check
//     your plan and billing details", which the neutral table would read as
//     billing, and attaches a RetryInfo delay to retry after. Only "Your
//     prepayment credits are depleted" (paid tier out of credit) is
//     KindBilling;
//   - a google.rpc.RetryInfo "retryDelay" sets RetryAfter when it is longer
//     than the headers' hint;
//   - a 400 whose ErrorInfo reason is API_KEY_INVALID (or whose status is
//     UNAUTHENTICATED / PERMISSION_DENIED) is KindAuth: Gemini rejects a bad
//     key with 400 "API key not valid".
func refine(e *providers.Error, ae genai.APIError) {
	if e.Status == http.StatusTooManyRequests {
		e.Kind = providers.KindRateLimited
		if strings.Contains(strings.ToLower(ae.Message), "credits are depleted") {
			e.Kind = providers.KindBilling
		}
	}
	if d := retryDelay(ae.Details); d > e.RetryAfter {
		e.RetryAfter = d
	}
	if e.Kind == providers.KindBadRequest {
		switch strings.ToUpper(ae.Status) {
		case "UNAUTHENTICATED", "PERMISSION_DENIED":
			e.Kind = providers.KindAuth
		}
		if m := strings.ToLower(ae.Message); strings.Contains(m, "api key not valid") || strings.Contains(m, "api key expired") {
			e.Kind = providers.KindAuth
		}
		for _, d := range ae.Details {
			if r, _ := d["reason"].(string); r == "API_KEY_INVALID" || r == "API_KEY_EXPIRED" || r == "ACCESS_TOKEN_EXPIRED" {
				e.Kind = providers.KindAuth
			}
		}
	}
}

// retryDelay reads the largest google.rpc.RetryInfo retryDelay in details.
// The JSON form of a protobuf Duration is a string such as "12s" or
// "0.500s"; the object form {"seconds": 12, "nanos": 0} is accepted too.
func retryDelay(details []map[string]any) time.Duration {
	var best time.Duration
	for _, d := range details {
		if t, _ := d["@type"].(string); !strings.HasSuffix(t, "google.rpc.RetryInfo") {
			continue
		}
		var dur time.Duration
		switch v := d["retryDelay"].(type) {
		case string:
			if s, ok := strings.CutSuffix(strings.TrimSpace(v), "s"); ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
					dur = time.Duration(f * float64(time.Second))
				}
			}
		case map[string]any:
			sec, _ := number(v["seconds"])
			nanos, _ := number(v["nanos"])
			dur = time.Duration(sec*float64(time.Second) + nanos)
		}
		best = max(best, dur)
	}
	return best
}

// number reads a JSON number; int64 fields such as seconds arrive as strings.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// contentFiltered is the error for a safety block: the prompt refused
// (promptFeedback.blockReason) or an answer withheld (a block finish reason
// before any text).
func (c *Client) contentFiltered(what, reason, message string) *providers.Error {
	msg := what + ": " + reason
	if message != "" {
		msg += ": " + message
	}
	return &providers.Error{Provider: c.name, Kind: providers.KindContentFiltered, Message: providers.Shorten(msg, 300), Err: errors.New("gemini: " + msg)}
}
