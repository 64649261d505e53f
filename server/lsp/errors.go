package lsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/llxprt/llxprt-ls/server"
)

// LSP error codes go.lsp.dev/protocol does not name.
const (
	codeServerNotInitialized jsonrpc2.Code = -32002
	codeRequestFailed        jsonrpc2.Code = -32803
)

// invalidParams is the error for a request whose params are wrong; msg
// names the field.
func invalidParams(method, format string, args ...any) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "lsp: %s: invalid params: %s", method, fmt.Sprintf(format, args...))
}

// cancelled is the error for a request the client cancelled (or the server
// stopped while it ran): RequestCancelled, -32800.
func cancelled(method string) error {
	return jsonrpc2.Errorf(protocol.CodeRequestCancelled, "lsp: %s: request cancelled", method)
}

// failed turns a backend error into the request's error: RequestCancelled
// when ctx was cancelled (whatever the backend wrapped), InvalidParams when
// the service refused the input (a prompt too large, a bad session id: the
// field is named), else RequestFailed with the backend's message, which
// already says what went wrong.
func failed(ctx context.Context, method string, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return cancelled(method)
	}
	var w *jsonrpc2.Error
	if errors.As(err, &w) {
		return err
	}
	if ie, ok := server.AsInputError(err); ok {
		return invalidParams(method, "%s", ie.Error())
	}
	return &jsonrpc2.Error{Code: codeRequestFailed, Message: err.Error()}
}

// guard wraps the whole chain. It answers requests with invalid UTF-8 in
// their params with InvalidParams (go.lsp.dev/protocol would silently turn
// the bytes into U+FFFD), enforces the lifecycle, recovers panics (jsonrpc2
// would end the connection), keeps notification errors from ending the
// connection (jsonrpc2 treats them as fatal; a bad didChange must not kill
// the session) and gives every error a proper code.
func (s *langServer) guard(next jsonrpc2.Handler) jsonrpc2.Handler {
	return func(ctx context.Context, req *jsonrpc2.Request) (result any, err error) {
		method := strings.Clone(req.Method())
		call := req.IsCall()
		if !s.enter() {
			// The session is over (exit, end of input): nothing more runs.
			if !call {
				return nil, nil
			}
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "lsp: %s: the session has ended", method)
		}
		defer s.handlers.Done()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error().Str("method", method).Interface("panic", r).Msg("handler panicked")
				result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "lsp: %s: internal error: %v", method, r)
			}
			if err == nil {
				return
			}
			if !call {
				s.log.Warn().Str("method", method).Err(err).Msg("notification failed")
				result, err = nil, nil
				return
			}
			err = wireError(method, req.Params(), err)
			s.log.Debug().Str("method", method).Err(err).Msg("request failed")
		}()
		if !call && isRequestMethod(method) {
			// Nobody would get the answer: do not pay a model for it.
			return nil, fmt.Errorf("lsp: %s is a request, sent as a notification: dropped", method)
		}
		if !utf8.Valid(req.Params()) {
			return nil, invalidParams(method, "the params contain invalid UTF-8; JSON text must be UTF-8")
		}
		if err := s.admit(method, call); err != nil {
			return nil, err
		}
		rc := newReqContext(ctx)
		defer rc.finish()
		return next(rc, req)
	}
}

// isRequestMethod reports whether method is one the server answers, and so
// must arrive with an id.
func isRequestMethod(method string) bool {
	switch method {
	case protocol.MethodInitialize, protocol.MethodShutdown, protocol.MethodTextDocumentCodeAction,
		protocol.MethodCodeActionResolve, protocol.MethodWorkspaceExecuteCommand:
		return true
	}
	return strings.HasPrefix(method, "llxprt/") && method != methodDidChangeStatus
}

// reqContext is the context handlers get instead of jsonrpc2's pooled
// per-request context. protocol.CancelHandler calls context.WithCancel on
// the request context; because that context is not a stdlib one, the stdlib
// starts a goroutine that outlives the handler and reads the request after
// jsonrpc2 has recycled it (a data race the race detector reports on every
// request). reqContext is a stdlib cancelCtx under the connection's context,
// so WithCancel links to it without a goroutine; it forwards only the values
// it lacks (jsonrpc2's Async release token) to the request context, and only
// while the handler runs.
type reqContext struct {
	context.Context
	cancel context.CancelFunc
	req    context.Context
	done   atomic.Bool
}

func newReqContext(req context.Context) *reqContext {
	ctx, cancel := context.WithCancel(jsonrpc2.DetachContext(req))
	return &reqContext{Context: ctx, cancel: cancel, req: req}
}

func (c *reqContext) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	if c.done.Load() {
		return nil
	}
	return c.req.Value(key)
}

func (c *reqContext) finish() {
	c.done.Store(true)
	c.cancel()
}

// wireError gives err the JSON-RPC code the client should see.
func wireError(method string, params []byte, err error) error {
	var w *jsonrpc2.Error
	switch {
	case errors.Is(err, protocol.ErrRequestCancelled), errors.Is(err, context.Canceled):
		return cancelled(method)
	case errors.As(err, &w) && w.Code == jsonrpc2.ParseError:
		// go.lsp.dev/protocol reports undecodable params as a parse error;
		// the message is valid JSON, so they are invalid params. The
		// decoder's text names the field (a JSON pointer such as
		// "/textDocument/uri").
		msg := strings.TrimPrefix(err.Error(), "JSON-RPC parse error: ")
		if ptr := pointerAt(params, msg); ptr != "" {
			msg = ptr + ": " + msg
		}
		return invalidParams(method, "%s", msg)
	case errors.As(err, &w) && w.Code == jsonrpc2.MethodNotFound:
		return jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "lsp: method %q is not supported", method)
	case errors.As(err, &w):
		return err
	default:
		return &jsonrpc2.Error{Code: codeRequestFailed, Message: err.Error()}
	}
}

var offsetPattern = regexp.MustCompile(`offset (\d+)`)

// pointerAt names the field a decoder error is about: go.lsp.dev/protocol's
// byte decoders report only an offset ("invalid JSON number at offset 64"),
// so walk the params to that offset and return the JSON pointer there
// ("/range/start/line"); "" when the message has no offset.
func pointerAt(params []byte, msg string) string {
	m := offsetPattern.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	off, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return ""
	}
	dec := jsontext.NewDecoder(bytes.NewReader(params))
	for dec.InputOffset() < off {
		if _, err := dec.ReadToken(); err != nil {
			break
		}
	}
	return string(dec.StackPointer())
}
