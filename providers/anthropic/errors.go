package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/llxprt/llxprt-ls/providers"
)

// statusForType is the HTTP status Anthropic documents for each error type.
// A mid-stream "event: error" arrives inside an HTTP 200, so its type is the
// only hint of what went wrong; mapping it to the status it would have had
// lets providers.StatusError classify it like the same error before the
// stream started.
var statusForType = map[string]int{
	"invalid_request_error": http.StatusBadRequest,
	"authentication_error":  http.StatusUnauthorized,
	"billing_error":         http.StatusPaymentRequired,
	"permission_error":      http.StatusForbidden,
	"not_found_error":       http.StatusNotFound,
	"request_too_large":     http.StatusRequestEntityTooLarge,
	"rate_limit_error":      http.StatusTooManyRequests,
	"api_error":             http.StatusInternalServerError,
	"timeout_error":         http.StatusGatewayTimeout,
	"overloaded_error":      529,
}

// errRefusal is the cause of a KindContentFiltered error: the stream ended
// with stop_reason "refusal" (Anthropic's streaming safety classifiers
// stopped the reply). Text already yielded stays yielded.
var errRefusal = errors.New("the reply was stopped by the safety classifiers")

// tokenError is a failure of Config.Token, the OAuth token source.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "oauth token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// toProviderErr is the one place where a failure becomes a classified
// *providers.Error: API errors (HTTP status or mid-stream error event),
// cancellation and deadlines, token failures, requests that cannot be
// built, and transport faults.
func (c *Client) toProviderErr(ctx context.Context, err error) *providers.Error {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	// The caller's context decides first: a cancel surfaces from the SDK as
	// anything from context.Canceled to "use of closed network connection".
	if ctxErr := ctx.Err(); ctxErr != nil {
		if cause := context.Cause(ctx); cause != nil && cause != ctxErr {
			ctxErr = fmt.Errorf("%w: %w", ctxErr, cause)
		}
		return providers.TransportError(c.name, ctxErr)
	}
	var ae *sdk.Error
	if errors.As(err, &ae) {
		return c.apiError(ae)
	}
	var te *tokenError
	if errors.As(err, &te) {
		return &providers.Error{Provider: c.name, Kind: providers.KindAuth, Err: err}
	}
	if errors.Is(err, errRefusal) {
		return &providers.Error{Provider: c.name, Kind: providers.KindContentFiltered, Message: "stop_reason refusal: " + err.Error(), Err: err}
	}
	if errors.Is(err, errInvalidRequest) {
		return &providers.Error{Provider: c.name, Kind: providers.KindBadRequest, Err: err}
	}
	// Below HTTP. The *providers.Error names the provider, so the cause is
	// not prefixed again.
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		err = fmt.Errorf("malformed stream event: %w", err)
	}
	return providers.TransportError(c.name, err)
}

// apiError classifies an error the API sent: an HTTP error status, or an
// "event: error" inside a 200 stream (then the error type gives the status).
func (c *Client) apiError(ae *sdk.Error) *providers.Error {
	typ := string(ae.Type())
	msg := apiMessage(ae.RawJSON())
	status := ae.StatusCode
	var header http.Header
	if status < 400 {
		// Mid-stream: the 200's headers say nothing about this error.
		status = statusForType[typ]
		if status == 0 {
			status = http.StatusInternalServerError
		}
	} else if ae.Response != nil {
		header = ae.Response.Header
	}
	text := msg
	if typ != "" {
		text = typ + ": " + msg
	}
	e := providers.StatusError(c.name, status, header, text, time.Now())
	switch {
	case typ == "billing_error", isCreditExhausted(msg):
		e.Kind = providers.KindBilling
	case typ == "overloaded_error":
		e.Kind = providers.KindOverloaded
	case typ == "authentication_error", typ == "permission_error":
		e.Kind = providers.KindAuth
	}
	if ae.RequestID != "" {
		e.Message += " (request-id " + ae.RequestID + ")"
	}
	e.Err = ae
	return e
}

// apiMessage digs error.message out of an Anthropic error body; a body that
// is not the usual envelope (a proxy's HTML page) is returned shortened.
func apiMessage(raw string) string {
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(raw), &env) == nil && env.Error.Message != "" {
		return env.Error.Message
	}
	return providers.Shorten(raw, 200)
}

// isCreditExhausted spots the 400 Anthropic sends when the account has no
// credit left: retrying or cooling down will not help, only paying will.
func isCreditExhausted(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "credit balance is too low")
}
