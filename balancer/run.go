package balancer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/models"
)

var (
	// errRequestTimeout is the cause when request_timeout_ms passes.
	errRequestTimeout = errors.New("request_timeout_ms passed")
	// errStalled is the cause when a first-token or idle timeout fires.
	errStalled = errors.New("stream stalled")
	// errLostRace is the cause when a hedge race was lost.
	errLostRace = errors.New("lost the hedge race")
)

// memberRun is one member's state within one request.
type memberRun struct {
	tries  int
	final  bool // no more attempts in this request
	state  string
	reason string
	// until is when the cooldown or open circuit that last kept this
	// member out ends (zero when none did since its last attempt began):
	// after a pass, such a member is tried again once it frees.
	until   time.Time
	lastErr *providers.Error
	bo      backoff.ExponentialBackOff
	boInit  bool
}

// attempt is one try on one member.
type attempt struct {
	m            *member
	probe, hedge bool
	start        time.Time
	ttft         time.Duration
	wonRace      bool
}

// run is one request's walk over the buckets.
type run struct {
	b     *Balancer
	req   *providers.Request
	tr    *Trace
	yield func(providers.Event, error) bool
	ctx   context.Context

	start     time.Time
	order     []*member
	orderBuf  [4]*member
	mr        []memberRun
	mrBuf     [4]memberRun
	pos       int
	tokens    int // estimated input tokens, -1 when no known window can be exceeded
	tooLongAt int // a bucket with this window rejected the prompt as too long
	retry     *member
	retryWait time.Duration
	waits     int
	waited    time.Duration
	prev      *member // last member that failed, for failover events
	prevWhy   string
	started   bool // an attempt has begun

	// The inline attempt's state lives here rather than in locals the
	// stream's loop body captures, which would each cost an allocation.
	cur inlineState
}

type inlineState struct {
	a         attempt
	req       providers.Request
	pending   []providers.Event
	usage     providers.Usage
	committed bool
	stopped   bool
	err       error
}

func (r *run) do(ctx context.Context) {
	b := r.b
	r.start = b.now()
	if b.s.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, b.s.RequestTimeout, errRequestTimeout)
		defer cancel()
	}
	r.ctx = ctx
	r.order = b.policy.order(b, r.orderBuf[:0])
	if n := len(b.members); n <= len(r.mrBuf) {
		r.mr = r.mrBuf[:n]
	} else {
		r.mr = make([]memberRun, n)
	}
	r.tokens = r.estimate()
	if e := r.tooLongForAll(); e != nil {
		r.yield(providers.Event{}, e)
		return
	}
	if b.s.HedgeAfter > 0 && len(b.members) > 1 {
		r.hedged()
		return
	}
	for {
		m, probe, retry, ok := r.next(false)
		if !ok {
			r.exhausted()
			return
		}
		if r.attemptInline(m, probe, retry) {
			return
		}
	}
}

// next picks the next attempt: a pending retry, else the next bucket in
// policy order that is available, else (unless now is set) a wait for the
// soonest bucket to come out of cooldown or an open circuit. Skipped buckets
// go into the trace with the reason.
func (r *run) next(now bool) (m *member, probe, retry, ok bool) {
	s := &r.b.s
	for {
		if r.ctx.Err() != nil {
			return nil, false, false, false
		}
		var wait time.Duration
		switch {
		case r.retry != nil && !now:
			m, wait, retry = r.retry, r.retryWait, true
			r.retry = nil
		case r.pos < len(r.order):
			m, retry = r.order[r.pos], false
			r.pos++
			if mr := &r.mr[m.idx]; mr.final || mr.tries >= s.RetryCount || m == r.retry {
				continue
			}
		case now:
			return nil, false, false, false
		default:
			if m, wait, ok = r.soonest(); !ok {
				return nil, false, false, false
			}
			retry = r.mr[m.idx].tries > 0
			if wait > 0 {
				at := r.b.now()
				r.b.emit(Event{Kind: Waiting, Bucket: m.b.Name, Reason: r.mr[m.idx].reason, Until: at.Add(wait), Time: at})
			}
		}
		if wait > 0 && !r.sleep(wait) {
			return nil, false, false, false
		}
		if p, ok := r.available(m); ok {
			return m, p, retry, true
		}
	}
}

// available checks m's health for this request; it records a skip when m
// may not be tried. ok with probe means m holds its circuit's one probe.
func (r *run) available(m *member) (probe, ok bool) {
	b, s := r.b, &r.b.s
	mr := &r.mr[m.idx]
	now := b.now()
	if d := m.disabled.Load(); d != nil {
		r.skip(m, "disabled", *d, time.Time{}, true)
		return false, false
	}
	if r.tokens > 0 && m.window > 0 && m.window < r.tokens {
		r.skip(m, "too small", fmt.Sprintf("context window %d < %d tokens", m.window, r.tokens), time.Time{}, true)
		return false, false
	}
	if r.tooLongAt > 0 && m.window > 0 && m.window <= r.tooLongAt {
		r.skip(m, "too small", fmt.Sprintf("context window %d ≤ %d, which already rejected the prompt as too long", m.window, r.tooLongAt), time.Time{}, true)
		return false, false
	}
	if s.TPMThreshold > 0 {
		if n := m.tpm.perMinute(now); n >= s.TPMThreshold {
			r.skip(m, "busy", fmt.Sprintf("%d tokens in the last minute ≥ tpm_threshold %d", n, s.TPMThreshold), time.Time{}, false)
			return false, false
		}
	}
	if until, why, cool := b.cooldown(m, now); cool {
		r.skip(m, "cooldown", fmt.Sprintf("cooldown until %s (%s)", until.Format("15:04:05"), why), until, false)
		return false, false
	}
	pass, probe, until := m.h.allow(s, now)
	if !pass {
		if until.IsZero() {
			r.skip(m, "half-open", "circuit half-open, its one probe is in flight", time.Time{}, false)
		} else {
			r.skip(m, "open", "circuit open until "+until.Format("15:04:05"), until, false)
		}
		return false, false
	}
	mr.state = ""
	return probe, true
}

// soonest picks the member to continue with after a pass over the order:
// among those with attempts left that a cooldown or an open circuit kept out
// (skipped for it, or put in it by their own failure), the one that frees
// first. One that freed while another bucket's attempt ran is returned at
// once; otherwise the wait must fit the request's remaining time. Members
// that failed in a way that calls for no further try now (a timeout, a
// server fault whose retry is spent) or that are busy or half-open are not
// candidates. Each call counts as a pass, bounded so a run never loops.
func (r *run) soonest() (*member, time.Duration, bool) {
	s := &r.b.s
	if r.waits >= len(r.order)*s.RetryCount {
		return nil, 0, false
	}
	now := r.b.now()
	var best *member
	var bestUntil time.Time
	for _, m := range r.order {
		mr := &r.mr[m.idx]
		if mr.final || mr.tries >= s.RetryCount || m.disabled.Load() != nil {
			continue
		}
		until := mr.until
		if cu, _, ok := r.b.cooldown(m, now); ok && cu.After(until) {
			until = cu
		}
		if st, ou := m.h.circuit(s, now); st == circuitOpen && ou.After(until) {
			until = ou
		}
		if until.IsZero() {
			continue
		}
		if until.Before(now) {
			until = now
		}
		if best == nil || until.Before(bestUntil) {
			best, bestUntil = m, until
		}
	}
	if best == nil {
		return nil, 0, false
	}
	wait := bestUntil.Sub(now)
	// With a deadline the deadline rules, except that max_wait_ms 0 means
	// never wait: a user who set it wants the failure now, not a sleep.
	remaining := s.MaxWait - r.waited
	if dl, ok := r.ctx.Deadline(); ok && s.MaxWait > 0 {
		remaining = time.Until(dl)
	}
	if wait > remaining {
		return nil, 0, false
	}
	r.waits++
	r.waited += wait
	return best, wait, true
}

// sleep waits d or until the request ends.
func (r *run) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

func (r *run) skip(m *member, state, reason string, until time.Time, final bool) {
	mr := &r.mr[m.idx]
	mr.state, mr.reason, mr.until = state, reason, until
	if final {
		mr.final = true
	}
	if r.prev == nil && !r.started {
		// The request moves away from the bucket it would have used first:
		// the next attempt reports a failover from it, with this reason.
		r.prev, r.prevWhy = m, reason
	}
	if r.tr != nil {
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: m.b.Name, Provider: m.provider, Model: m.b.Model,
			Outcome: "skipped", Reason: reason, Start: r.b.now().Sub(r.start)})
	}
}

// begin starts an attempt in a: counters, failover and start events.
func (r *run) begin(a *attempt, m *member, probe, retry, hedge bool) *attempt {
	b := r.b
	*a = attempt{m: m, probe: probe, hedge: hedge, start: b.now()}
	mr := &r.mr[m.idx]
	mr.tries++
	mr.until = time.Time{}
	r.started = true
	m.c.started(retry)
	if r.prev != nil && r.prev != m {
		if r.tr != nil {
			r.tr.Failovers++
		}
		b.emit(Event{Kind: Failover, From: r.prev.b.Name, To: m.b.Name, Reason: r.prevWhy, Hedge: hedge, Time: a.start})
	}
	b.emit(Event{Kind: AttemptStart, Bucket: m.b.Name, Hedge: hedge, Time: a.start})
	return a
}

// requestFor fills c with the request as m sends it: its model, its params
// on top. The caller's request is never modified.
func (r *run) requestFor(c *providers.Request, m *member) *providers.Request {
	*c = *r.req
	c.Model = m.b.Model
	if !m.b.Params.IsZero() {
		c.Params = r.req.Params.Merge(m.b.Params)
	}
	return c
}

// served records a success.
func (r *run) served(a *attempt, u providers.Usage, stopped bool) {
	b, m := r.b, a.m
	now := b.now()
	total := now.Sub(a.start)
	cost := models.Cost(m.info, u)
	m.c.succeeded(u, cost, a.ttft, total, a.wonRace)
	m.h.success(a.probe)
	if n := u.InputTokens + u.OutputTokens; n > 0 {
		m.tpm.add(now, n)
	}
	b.lastServed.Store(int32(m.idx + 1))
	if r.tr != nil {
		reason := ""
		if stopped {
			reason = "stopped by the caller"
		}
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: m.b.Name, Provider: m.provider, Model: m.b.Model,
			Outcome: "served", Reason: reason, Start: a.start.Sub(r.start), TTFT: a.ttft, Duration: total, Hedge: a.hedge})
		r.tr.Served, r.tr.Provider, r.tr.Model = m.b.Name, m.provider, m.b.Model
		r.tr.Usage, r.tr.CostUSD = u, cost
	}
	b.emit(Event{Kind: Success, Bucket: m.b.Name, Hedge: a.hedge, Time: now})
}

// cancelled records an attempt that ended because the caller went away,
// the request timed out, or it lost a hedge race: never held against it.
func (r *run) cancelled(a *attempt, reason string) {
	a.m.h.release(a.probe)
	mr := &r.mr[a.m.idx]
	mr.state, mr.reason = "cancelled", reason
	if r.tr != nil {
		now := r.b.now()
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: a.m.b.Name, Provider: a.m.provider, Model: a.m.b.Model,
			Outcome: "cancelled", Reason: reason, Start: a.start.Sub(r.start), TTFT: a.ttft, Duration: now.Sub(a.start), Hedge: a.hedge})
	}
}

// classify turns an attempt's error into a *providers.Error, naming the
// balancer's own timeouts for what they are.
func (r *run) classify(m *member, err error, w *watchdog) *providers.Error {
	pe := providers.AsError(m.provider, err)
	if r.ctx.Err() != nil {
		if errors.Is(context.Cause(r.ctx), errRequestTimeout) {
			return &providers.Error{Provider: "lb", Kind: providers.KindTimeout,
				Message: fmt.Sprintf("request_timeout_ms (%s) passed", r.b.s.RequestTimeout), Err: errRequestTimeout}
		}
		return &providers.Error{Provider: "lb", Kind: providers.KindCanceled, Message: "cancelled by the caller", Err: r.ctx.Err()}
	}
	if w != nil && w.fired() {
		msg := fmt.Sprintf("no content within first_token_timeout_ms (%s)", r.b.s.FirstTokenTimeout)
		if w.seen.Load() || r.b.s.FirstTokenTimeout == 0 {
			msg = fmt.Sprintf("no event within idle_timeout_ms (%s)", r.b.s.IdleTimeout)
		}
		return &providers.Error{Provider: m.provider, Kind: providers.KindTimeout, Message: msg, Err: errStalled}
	}
	return pe
}

// giveUp ends the request with e, or with the cancel/timeout that caused it.
func (r *run) giveUp(e *providers.Error) {
	if r.ctx.Err() != nil {
		r.exhausted()
		return
	}
	r.yield(providers.Event{}, e)
}
