package balancer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	tries   int
	final   bool // no more attempts in this request
	state   string
	reason  string
	until   time.Time
	lastErr *providers.Error
	bo      backoff.ExponentialBackOff
	boInit  bool
}

// attempt is one try on one member.
type attempt struct {
	m                   *member
	probe, retry, hedge bool
	start               time.Time
	ttft                time.Duration
	wonRace             bool
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

// soonest finds the bucket that frees first among those with attempts left,
// if it frees within the request's remaining time.
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
		if !until.After(now) {
			continue
		}
		if best == nil || until.Before(bestUntil) {
			best, bestUntil = m, until
		}
	}
	if best == nil {
		return nil, 0, false
	}
	wait := bestUntil.Sub(now)
	remaining := s.MaxWait - r.waited
	if dl, ok := r.ctx.Deadline(); ok {
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
	if r.tr != nil {
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: m.b.Name, Provider: m.provider, Model: m.b.Model,
			Outcome: "skipped", Reason: reason, Start: r.b.now().Sub(r.start)})
	}
}

// begin starts an attempt in a: counters, failover and start events.
func (r *run) begin(a *attempt, m *member, probe, retry, hedge bool) *attempt {
	b := r.b
	*a = attempt{m: m, probe: probe, retry: retry, hedge: hedge, start: b.now()}
	r.mr[m.idx].tries++
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
	if !emptyParams(&m.b.Params) {
		c.Params = r.req.Params.Merge(m.b.Params)
	}
	return c
}

func emptyParams(p *providers.Params) bool {
	return p.Temperature == nil && p.MaxTokens == nil && p.TopP == nil && p.TopK == nil &&
		p.Stop == nil && p.Seed == nil && p.Thinking == nil && len(p.Extra) == 0
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

// fail records a failed attempt and decides what follows. It returns true
// when the request must end with this error (bad request, caller gone,
// failover not wanted for it); otherwise a retry may be queued and the run
// moves on.
func (r *run) fail(a *attempt, e *providers.Error, committed bool) (giveUp bool) {
	b, m, s := r.b, a.m, &r.b.s
	now := b.now()
	mr := &r.mr[m.idx]
	if e.Kind == providers.KindCanceled || r.ctx.Err() != nil {
		r.cancelled(a, describe(e))
		return true
	}
	why := describe(e)
	mr.state, mr.reason, mr.lastErr = "failed", why, e
	elapsed := now.Sub(a.start)
	m.c.failed(e, now, elapsed, committed)
	if r.tr != nil {
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: m.b.Name, Provider: m.provider, Model: m.b.Model,
			Outcome: "failed", Reason: why, Kind: e.Kind, Status: e.Status, Start: a.start.Sub(r.start),
			TTFT: a.ttft, Duration: elapsed, Hedge: a.hedge})
	}
	b.emit(Event{Kind: AttemptFailed, Bucket: m.b.Name, Reason: why, ErrKind: e.Kind, Status: e.Status, Hedge: a.hedge, Time: now})
	r.prev, r.prevWhy = m, why

	switch e.Kind {
	case providers.KindBadRequest, providers.KindContentFiltered:
		m.h.release(a.probe)
		mr.final = true
		return true
	case providers.KindContextTooLong:
		m.h.release(a.probe)
		mr.final = true
		r.tooLongAt = max(r.tooLongAt, m.window)
		return committed
	case providers.KindAuth, providers.KindBilling:
		m.h.release(a.probe)
		reason := why + " — fix the credential and reload the profile"
		m.disabled.Store(&reason)
		mr.final, mr.state = true, "disabled"
		return committed
	}
	// Transient: rate limit, overload, server, timeout, network.
	if e.Kind == providers.KindRateLimited {
		m.h.release(a.probe)
	} else if until, opened := m.h.failure(s, now, a.probe); opened && b.shared != nil {
		b.shared.SetCooldown(m.b.Key, until, "circuit open")
	}
	if e.Kind == providers.KindRateLimited || e.RetryAfter > 0 {
		d := e.RetryAfter
		if d <= 0 {
			d = s.RateLimitCooldown
		}
		label := "rate limited"
		if e.Kind != providers.KindRateLimited {
			label = e.Kind.String() + ", retry after " + d.String()
		}
		b.setCooldown(m, now.Add(d), label)
	}
	if committed {
		return true
	}
	switch {
	case e.Kind == providers.KindNetwork && !s.FailoverOnNetworkErrors:
		return true
	case e.Status != 0 && isStatusKind(e.Kind) && !slices.Contains(s.FailoverStatusCodes, e.Status):
		return true
	}
	// Retry on the same bucket only for a plain server fault: a rate limit
	// or a Retry-After put the bucket in cooldown, a timeout says the bucket
	// is slow now, and an open circuit keeps it out.
	if e.Kind == providers.KindTimeout || e.Kind == providers.KindRateLimited || e.RetryAfter > 0 || mr.tries >= s.RetryCount {
		return false
	}
	if st, _ := m.h.circuit(s, now); st != circuitClosed {
		return false
	}
	if !mr.boInit {
		mr.bo = backoff.ExponentialBackOff{InitialInterval: s.RetryDelay, Multiplier: 2, MaxInterval: s.MaxRetryDelay}
		mr.bo.Reset()
		mr.boInit = true
	}
	var delay time.Duration
	if ceil := mr.bo.NextBackOff(); ceil > 0 {
		delay = time.Duration(b.rnd() * float64(ceil)) // full jitter
	}
	if dl, ok := r.ctx.Deadline(); ok && time.Until(dl) <= delay {
		return false
	}
	r.retry, r.retryWait = m, delay
	return false
}

// isStatusKind reports the kinds failover_status_codes governs.
func isStatusKind(k providers.ErrorKind) bool {
	return k == providers.KindRateLimited || k == providers.KindOverloaded || k == providers.KindServer
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
