package balancer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// exhausted ends a request that no bucket served.
func (r *run) exhausted() {
	b := r.b
	now := b.now()
	var last *providers.Error
	states := make([]BucketState, 0, len(r.order))
	for _, m := range r.order {
		mr := &r.mr[m.idx]
		if mr.lastErr != nil {
			last = mr.lastErr
		}
		st := BucketState{Bucket: m.b.Name, State: mr.state, Reason: mr.reason, Until: mr.until}
		if st.State == "" {
			st.State, st.Reason = "not tried", "the request ended first"
		}
		if st.State == "failed" {
			if until, why, ok := b.cooldown(m, now); ok {
				st.State, st.Until, st.Reason = "cooldown", until, st.Reason+"; cooling down: "+why
			} else if cs, ou := m.h.circuit(&b.s, now); cs == circuitOpen {
				st.State, st.Until = "open", ou
			} else {
				st.Until = time.Time{} // what kept it out has ended
			}
		}
		states = append(states, st)
	}
	if r.ctx.Err() != nil {
		if errors.Is(context.Cause(r.ctx), errRequestTimeout) {
			last = &providers.Error{Provider: "lb", Kind: providers.KindTimeout,
				Message: fmt.Sprintf("request_timeout_ms (%s) passed", b.s.RequestTimeout), Err: errRequestTimeout}
		} else {
			r.yield(providers.Event{}, &providers.Error{Provider: "lb", Kind: providers.KindCanceled, Message: "cancelled by the caller", Err: r.ctx.Err()})
			return
		}
	}
	if last == nil {
		last = unavailableError(states, now)
	}
	e := &ExhaustedError{Buckets: states, Last: last}
	b.emit(Event{Kind: Exhausted, Reason: e.Error(), Time: now})
	r.yield(providers.Event{}, e)
}

// tooLongForAll returns context-too-long when no bucket's window can hold
// the request, listing each bucket's limit.
func (r *run) tooLongForAll() *providers.Error {
	if r.tokens <= 0 {
		return nil
	}
	var parts []string
	for _, m := range r.b.members {
		if m.window == 0 || m.window >= r.tokens {
			return nil
		}
		parts = append(parts, fmt.Sprintf("%s %d", m.b.Name, m.window))
	}
	return &providers.Error{Provider: "lb", Kind: providers.KindContextTooLong,
		Message: fmt.Sprintf("the request is about %d tokens and no bucket's context window holds it (%s); shorten the conversation or add a bucket with a larger window", r.tokens, strings.Join(parts, ", "))}
}

// unavailableError stands for "nothing was tried": every bucket is cooling
// down, open, disabled or too small. Its kind follows the bucket that frees
// soonest (a cooldown reads as rate limited, an open circuit as overloaded)
// and RetryAfter says when, so a caller without a trace can still tell.
func unavailableError(states []BucketState, now time.Time) *providers.Error {
	e := &providers.Error{Provider: "lb", Kind: providers.KindAuth, Message: "no bucket is available"}
	var soonest time.Time
	for _, s := range states {
		kind := providers.KindUnknown
		switch s.State {
		case "cooldown", "busy":
			kind = providers.KindRateLimited
		case "open", "half-open":
			kind = providers.KindOverloaded
		case "too small":
			if e.Kind == providers.KindAuth {
				e.Kind = providers.KindContextTooLong
			}
		}
		if kind == providers.KindUnknown {
			continue
		}
		if soonest.IsZero() || (!s.Until.IsZero() && s.Until.Before(soonest)) {
			e.Kind = kind
			if !s.Until.IsZero() {
				soonest = s.Until
			}
		}
	}
	if !soonest.IsZero() {
		e.RetryAfter = soonest.Sub(now)
		e.Message = "every bucket is cooling down or open; the first frees at " + soonest.Format("15:04:05")
	}
	return e
}
