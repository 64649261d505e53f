package providers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrorKind is what the balancer acts on: retry, cool down, fail over, or
// give the error back to the caller.
type ErrorKind uint8

// The kinds of provider failure. See the table in README.md.
const (
	KindUnknown         ErrorKind = iota
	KindRateLimited               // 429: cool the bucket down for RetryAfter
	KindOverloaded                // Anthropic 529 overloaded_error, 503
	KindServer                    // other 5xx
	KindTimeout                   // a deadline passed (socket, first token, idle)
	KindNetwork                   // refused, reset, EOF, TLS, DNS, a stream cut short
	KindAuth                      // 401, 403: bad or missing credential
	KindBilling                   // 402, quota exhausted for good
	KindBadRequest                // other 4xx: the request itself is wrong
	KindContextTooLong            // the prompt does not fit the model's window
	KindContentFiltered           // a safety block
	KindCanceled                  // the caller cancelled; never counted against a bucket
)

var kindNames = [...]string{
	KindUnknown:         "unknown",
	KindRateLimited:     "rate_limited",
	KindOverloaded:      "overloaded",
	KindServer:          "server",
	KindTimeout:         "timeout",
	KindNetwork:         "network",
	KindAuth:            "auth",
	KindBilling:         "billing",
	KindBadRequest:      "bad_request",
	KindContextTooLong:  "context_too_long",
	KindContentFiltered: "content_filtered",
	KindCanceled:        "canceled",
}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText lets kinds appear by name in JSON status and traces.
func (k ErrorKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (k *ErrorKind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = ErrorKind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown error kind %q", b)
}

// Transient reports whether another attempt (on this bucket or another) may
// succeed: rate limits, overload, server errors, timeouts and network faults.
func (k ErrorKind) Transient() bool {
	switch k {
	case KindRateLimited, KindOverloaded, KindServer, KindTimeout, KindNetwork, KindUnknown:
		return true
	}
	return false
}

// Error is what every adapter returns for a failed call, already classified.
// Note that SSE streams can carry an error inside an HTTP 200 (Anthropic's
// `event: error`, an OpenAI chunk with "error"); adapters classify those the
// same way, with Status set from the error's type.
type Error struct {
	Provider   string
	Kind       ErrorKind
	Status     int           // HTTP status, 0 if none
	RetryAfter time.Duration // from Retry-After / retry-after-ms / vendor body, 0 if none
	Message    string        // the vendor's message, short; never holds a secret
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err's *Error, or classifies err as a transport failure.
func AsError(provider string, err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return TransportError(provider, err)
}

// ErrIncompleteStream is the cause of a KindNetwork error for a stream that
// ended without the vendor's stop event. It is retryable, never success.
var ErrIncompleteStream = errors.New("stream ended before the vendor's stop event")

// TransportError classifies an error that came with no HTTP response:
// cancel, deadline, refused/reset/EOF/TLS/DNS.
func TransportError(provider string, err error) *Error {
	e := &Error{Provider: provider, Err: err}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		e.Kind = KindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		e.Kind = KindTimeout
	case errors.As(err, &ne) && ne.Timeout():
		e.Kind = KindTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, ErrIncompleteStream):
		e.Kind = KindNetwork
	default:
		var dns *net.DNSError
		var op *net.OpError
		var tlsErr *tls.RecordHeaderError
		var cert *tls.CertificateVerificationError
		if errors.As(err, &dns) || errors.As(err, &op) || errors.As(err, &tlsErr) || errors.As(err, &cert) {
			e.Kind = KindNetwork
		} else {
			// An unknown failure below HTTP: treat as network so failover happens.
			e.Kind = KindNetwork
		}
	}
	return e
}

// StatusError classifies an HTTP error response. body is the vendor's error
// message (used to spot context-too-long and Anthropic's overloaded_error),
// header supplies the retry hints. Vendors send their rate-limit reset
// headers on every reply, so only a 429 reads them; any status reads
// Retry-After and retry-after-ms. (A 503 carrying OpenAI's
// x-ratelimit-reset-tokens: 6m0s is not a request to wait six minutes.)
func StatusError(provider string, status int, header http.Header, message string, now time.Time) *Error {
	e := &Error{Provider: provider, Status: status, Kind: KindForStatus(status, message), Message: Shorten(message, 300)}
	e.RetryAfter = retryAfterHint(header, now)
	if e.RetryAfter == 0 && status == http.StatusTooManyRequests {
		e.RetryAfter = rateLimitReset(header, now)
	}
	return e
}

// KindForStatus maps an HTTP status (and the vendor's message, for the
// cases that share a status) to a kind.
func KindForStatus(status int, message string) ErrorKind {
	switch {
	case status == http.StatusTooManyRequests:
		if IsQuotaExhausted(message) {
			return KindBilling
		}
		return KindRateLimited
	case status == 529, status == http.StatusServiceUnavailable:
		return KindOverloaded
	case status == http.StatusRequestTimeout:
		return KindTimeout
	case status >= 500:
		if strings.Contains(message, "overloaded") {
			return KindOverloaded
		}
		return KindServer
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusPaymentRequired:
		return KindBilling
	case status == http.StatusRequestEntityTooLarge:
		return KindContextTooLong
	case status >= 400:
		if IsContextTooLong(message) {
			return KindContextTooLong
		}
		return KindBadRequest
	}
	return KindUnknown
}

// contextTooLongPhrases are how each vendor words "the prompt is too long".
var contextTooLongPhrases = []string{
	"prompt is too long",                   // Anthropic
	"context_length_exceeded",              // OpenAI code
	"maximum context length",               // OpenAI message
	"context window",                       // OpenAI Responses, others
	"input token count",                    // Gemini: "The input token count (N) exceeds the maximum number of tokens allowed"
	"exceeds the maximum number of tokens", // Gemini
	"too many tokens",
	"range of input length", // Qwen/DashScope
	"input is too long",
}

// IsContextTooLong reports whether a vendor message says the prompt does not fit.
func IsContextTooLong(message string) bool {
	m := strings.ToLower(message)
	for _, p := range contextTooLongPhrases {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// IsQuotaExhausted reports whether a 429 means "out of credit" rather than
// "slow down" (OpenAI's insufficient_quota).
func IsQuotaExhausted(message string) bool {
	m := strings.ToLower(message)
	return strings.Contains(m, "insufficient_quota") || strings.Contains(m, "exceeded your current quota") && strings.Contains(m, "billing")
}

// RetryAfter reads the retry hints vendors send: retry-after-ms, Retry-After
// in seconds or as an HTTP date, and the rate-limit reset headers
// (anthropic-ratelimit-*-reset as RFC 3339, x-ratelimit-reset-* as Go-style
// durations such as "6m0s" or "20ms"). The largest reset wins when several
// limits say so; 0 means no hint.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if d := retryAfterHint(h, now); d > 0 {
		return d
	}
	return rateLimitReset(h, now)
}

// retryAfterHint reads retry-after-ms and Retry-After (seconds or an HTTP
// date): an explicit "come back then", whatever the status.
func retryAfterHint(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
		}
	}
	return 0
}

// rateLimitReset reads the rate-limit reset headers: the largest reset
// wins. A bare number is seconds from now, or a Unix time in seconds or
// milliseconds when it is that large (x-ratelimit-reset as GitHub-style and
// OpenRouter-style servers send it).
func rateLimitReset(h http.Header, now time.Time) time.Duration {
	var best time.Duration
	for k, vs := range h {
		lk := strings.ToLower(k)
		if len(vs) == 0 || !strings.Contains(lk, "ratelimit") || !strings.Contains(lk, "reset") {
			continue
		}
		v := vs[0]
		var d time.Duration
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			d = t.Sub(now)
		} else if pd, err := time.ParseDuration(v); err == nil {
			d = pd
		} else if s, err := strconv.ParseFloat(v, 64); err == nil {
			switch {
			case s >= unixMillisFloor:
				d = time.UnixMilli(int64(s)).Sub(now)
			case s >= unixSecondsFloor:
				d = time.Unix(int64(s), 0).Sub(now)
			default:
				d = time.Duration(s * float64(time.Second))
			}
		}
		if d > best {
			best = d
		}
	}
	return best
}

// A bare reset number at least this large is a Unix time, not a delay: 1e9
// seconds is 2001 (and 31 years as a delay); 1e12 milliseconds is 2001 too.
const (
	unixSecondsFloor = 1e9
	unixMillisFloor  = 1e12
)

// Shorten trims a vendor message for errors and logs.
func Shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
