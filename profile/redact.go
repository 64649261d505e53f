package profile

import (
	"context"
	"errors"
	"iter"

	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/providers"
)

// redacting wraps an adapter so that no error it returns carries the
// bucket's secret: vendors sometimes echo the key they were sent ("invalid
// x-api-key sk-ant-…"), and SDK errors can include request details. Events
// pass through untouched.
type redacting struct {
	providers.Provider
	r *auth.Redactor
}

func (p redacting) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		for ev, err := range p.Provider.Stream(ctx, req) {
			if err != nil {
				err = p.redact(err)
			}
			if !yield(ev, err) {
				return
			}
		}
	}
}

func (p redacting) redact(err error) error {
	var pe *providers.Error
	if !errors.As(err, &pe) {
		return &redactedError{text: p.r.Redact(err.Error()), err: err}
	}
	c := *pe
	c.Message = p.r.Redact(c.Message)
	if c.Err != nil {
		if text := p.r.Redact(c.Err.Error()); text != c.Err.Error() {
			c.Err = &redactedError{text: text, err: c.Err}
		}
	}
	return &c
}

// redactedError shows a scrubbed text but keeps the cause for errors.Is and
// errors.As (a context.Canceled stays recognisable).
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
