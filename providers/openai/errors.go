package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/llxprt/llxprt-ls/providers"
)

// toProviderErr is the one conversion from anything the SDK, the HTTP stack
// or a stream returns to a classified *providers.Error. raw is the HTTP
// response when one arrived (it keeps status and headers for bodies the SDK
// could not parse as an OpenAI error).
func (c *Client) toProviderErr(ctx context.Context, err error, raw *http.Response) *providers.Error {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	// The caller's cancel or deadline explains whatever the stack reported
	// (a read error, a reset, "request canceled").
	if ctx.Err() != nil {
		e := providers.TransportError(c.provider, ctx.Err())
		e.Err = errors.Join(ctx.Err(), err)
		return e
	}
	var api *openai.Error
	if errors.As(err, &api) {
		msg := api.Message
		if msg == "" && api.Response != nil {
			// {"error":{}} or no "error" at all: the SDK left the body readable.
			msg = readMessage(api.Response)
		}
		return c.apiError(api.StatusCode, responseHeader(api.Response), api.Code, api.Type, msg, err)
	}
	if raw != nil && raw.StatusCode >= 400 {
		// Not an OpenAI error object: a proxy's HTML page, {"error":"text"},
		// plain text from a local server. The SDK left the body readable.
		return c.apiError(raw.StatusCode, raw.Header, "", "", readMessage(raw), err)
	}
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		return c.streamError(se.Event.Data, err)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		err = fmt.Errorf("openai: malformed event in the stream: %w", err)
	}
	return providers.TransportError(c.provider, err)
}

// readMessage returns the human text of an error response's body, or the
// status text when the body has none.
func readMessage(r *http.Response) string {
	if r.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		if s := bodyMessage(b); s != "" {
			return s
		}
	}
	return http.StatusText(r.StatusCode)
}

func responseHeader(r *http.Response) http.Header {
	if r == nil {
		return nil
	}
	return r.Header
}

// bodyMessage finds the human text in an error body that is not OpenAI's
// shape: {"error":"text"}, {"message":"text"}, {"detail":…} or plain text.
func bodyMessage(b []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(b, &v) == nil {
		var s string
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s
		case v.Message != "":
			return v.Message
		case len(v.Detail) > 0:
			return string(v.Detail)
		case len(v.Error) > 0:
			return string(v.Error)
		}
	}
	return strings.TrimSpace(string(b))
}

// apiError classifies an error with an HTTP status (or a status inferred
// from a mid-stream error's code). The vendor's code and type join the
// message for classification, so "insufficient_quota" or
// "context_length_exceeded" are found whatever the wording.
func (c *Client) apiError(status int, h http.Header, code, typ, msg string, err error) *providers.Error {
	msg = c.scrub(msg)
	e := providers.StatusError(c.provider, status, h, msg, time.Now())
	e.Kind = providers.KindForStatus(status, code+" "+typ+" "+msg)
	if status >= 400 && status < 500 && contentFiltered(code, typ) {
		e.Kind = providers.KindContentFiltered
	}
	if e.RetryAfter == 0 && status == http.StatusTooManyRequests {
		e.RetryAfter = retryHint(msg)
	}
	e.Err = err
	return e
}

// scrub removes the configured key from a vendor message: OpenAI echoes a
// partly masked key in 401s, and other servers echo it whole.
func (c *Client) scrub(msg string) string {
	if len(c.apiKey) >= 8 {
		msg = strings.ReplaceAll(msg, c.apiKey, "[redacted]")
	}
	return msg
}

// contentFiltered reports the codes OpenAI uses for a safety block.
func contentFiltered(code, typ string) bool {
	for _, s := range []string{code, typ} {
		switch s {
		case "content_filter", "content_policy_violation", "invalid_prompt", "bio_policy",
			"misalignment_policy_violation", "image_content_policy_violation":
			return true
		}
	}
	return false
}

// tryAgainIn is how OpenAI's rate-limit messages say when to come back
// ("Please try again in 20s.", "in 1.386s", "in 120ms", "in 6m0s").
var tryAgainIn = regexp.MustCompile(`(?i)try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)`)

// retryHint reads the retry delay out of a rate-limit message, for errors
// that come without headers (mid-stream) or without Retry-After.
func retryHint(msg string) time.Duration {
	m := tryAgainIn.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	d, err := time.ParseDuration(m[1])
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// streamError classifies an error object that arrived inside an HTTP 200
// stream: a Chat Completions chunk {"error":{…}}, a Responses `error` event
// or the error of a response.failed. data is the event's JSON.
func (c *Client) streamError(data []byte, err error) *providers.Error {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Code    json.RawMessage `json:"code"`
		Type    string          `json:"type"`
		Message string          `json:"message"`
	}
	_ = json.Unmarshal(data, &v)
	var inner struct {
		Code    json.RawMessage `json:"code"`
		Type    string          `json:"type"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(v.Error, &inner) == nil && (inner.Message != "" || len(inner.Code) > 0 || inner.Type != "") {
		v.Code, v.Type, v.Message = inner.Code, inner.Type, inner.Message
	} else if s := ""; json.Unmarshal(v.Error, &s) == nil && s != "" {
		v.Message = s
	}
	if v.Type == "error" { // the Responses event's own type, not an error type
		v.Type = ""
	}
	code, status := streamCode(v.Code)
	if status == 0 {
		status = statusFor(code, v.Type, v.Message)
	}
	if v.Message == "" {
		v.Message = "error event in the stream"
	}
	return c.apiError(status, nil, code, v.Type, v.Message, err)
}

// streamCode reads an error code that is a string (OpenAI) or an HTTP
// status number (vLLM, OpenRouter, some proxies).
func streamCode(raw json.RawMessage) (code string, status int) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.Atoi(s); err == nil && n >= 400 && n < 600 {
			return s, n
		}
		return s, 0
	}
	var n int
	if json.Unmarshal(raw, &n) == nil && n >= 400 && n < 600 {
		return strconv.Itoa(n), n
	}
	return "", 0
}

// statusFor infers the HTTP status an in-stream error stands for from
// OpenAI's error codes and types, so it classifies like the same error
// returned before the stream began. Unknown errors count as 500.
func statusFor(code, typ, msg string) int {
	for _, s := range []string{code, typ} {
		switch s {
		case "rate_limit_exceeded", "rate_limit_error", "requests", "tokens", "insufficient_quota":
			return http.StatusTooManyRequests
		case "invalid_api_key", "authentication_error", "invalid_authentication":
			return http.StatusUnauthorized
		case "permission_error", "permission_denied", "unsupported_country_region_territory":
			return http.StatusForbidden
		case "context_length_exceeded", "invalid_request_error", "invalid_prompt", "model_not_found":
			return http.StatusBadRequest
		case "overloaded", "overloaded_error", "server_is_overloaded", "engine_overloaded":
			return http.StatusServiceUnavailable
		}
	}
	if contentFiltered(code, typ) {
		return http.StatusBadRequest
	}
	if strings.Contains(strings.ToLower(msg), "overloaded") {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// incomplete is the error for a stream that ended without its stop event.
func (c *Client) incomplete() *providers.Error {
	return &providers.Error{Provider: c.provider, Kind: providers.KindNetwork, Err: providers.ErrIncompleteStream}
}

// filtered is the error for a reply the vendor's content filter stopped.
func (c *Client) filtered(reason string) *providers.Error {
	return &providers.Error{Provider: c.provider, Kind: providers.KindContentFiltered, Message: "the reply was stopped by the content filter (" + reason + ")"}
}
