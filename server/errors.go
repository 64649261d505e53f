package server

import (
	"errors"
	"fmt"
)

// InputError is a request the Service refuses before calling any provider:
// an empty or oversized prompt, text that is not UTF-8, a bad session id, an
// unknown action or bucket. Field names the offending input, so a front end
// can report it against its own argument name.
type InputError struct {
	Field string // "prompt", "system", "sessionId", "context[N]", "code", "action", "buckets"
	Msg   string
}

func (e *InputError) Error() string { return fmt.Sprintf("server: %s: %s", e.Field, e.Msg) }

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// AsInputError returns err's *InputError, if any.
func AsInputError(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}
