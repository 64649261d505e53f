package balancer

import (
	"slices"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/llxprt/llxprt-ls/providers"
)

// fail records a failed attempt and decides what follows. It returns true
// when the request must end with this error (bad request, caller gone,
// failover not wanted for it); otherwise a retry may be queued and the run
// moves on.
func (r *run) fail(a *attempt, e *providers.Error, committed bool) (giveUp bool) {
	m, s := a.m, &r.b.s
	if e.Kind == providers.KindCanceled || r.ctx.Err() != nil {
		r.cancelled(a, describe(e))
		return true
	}
	now := r.b.now()
	why := r.recordFailure(a, e, now, committed)
	mr := &r.mr[m.idx]
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
	r.coolOrTrip(a, e, now)
	switch {
	case committed:
		return true
	case e.Kind == providers.KindNetwork && !s.FailoverOnNetworkErrors:
		return true
	case e.Status != 0 && isStatusKind(e.Kind) && !slices.Contains(s.FailoverStatusCodes, e.Status):
		return true
	}
	r.scheduleRetry(m, e, now)
	return false
}

// recordFailure puts a failure in the stats, the trace and the events.
func (r *run) recordFailure(a *attempt, e *providers.Error, now time.Time, committed bool) (why string) {
	m := a.m
	why = describe(e)
	mr := &r.mr[m.idx]
	mr.state, mr.reason, mr.lastErr = "failed", why, e
	elapsed := now.Sub(a.start)
	m.c.failed(e, now, elapsed, committed)
	if r.tr != nil {
		r.tr.Attempts = append(r.tr.Attempts, Attempt{Bucket: m.b.Name, Provider: m.provider, Model: m.b.Model,
			Outcome: "failed", Reason: why, Kind: e.Kind, Status: e.Status, Start: a.start.Sub(r.start),
			TTFT: a.ttft, Duration: elapsed, Hedge: a.hedge})
	}
	r.b.emit(Event{Kind: AttemptFailed, Bucket: m.b.Name, Reason: why, ErrKind: e.Kind, Status: e.Status, Hedge: a.hedge, Time: now})
	r.prev, r.prevWhy = m, why
	return why
}

// coolOrTrip applies a transient failure to the bucket's health: a rate
// limit or a Retry-After cools it (and its quota group) down; anything but
// a rate limit counts toward its circuit, and an opened circuit is
// published to the other processes as a cooldown.
func (r *run) coolOrTrip(a *attempt, e *providers.Error, now time.Time) {
	b, m, s := r.b, a.m, &r.b.s
	mr := &r.mr[m.idx]
	if e.Kind == providers.KindRateLimited {
		m.h.release(a.probe)
	} else if until, opened := m.h.failure(s, now, a.probe); opened {
		mr.until = until
		if b.shared != nil {
			b.shared.SetCooldown(m.b.Key, until, "circuit open")
		}
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
		// Once the cooldown (perhaps a longer one already set) ends, this
		// request may try m again.
		if until, _, ok := b.cooldown(m, now); ok && until.After(mr.until) {
			mr.until = until
		}
	}
}

// scheduleRetry queues another attempt on the same bucket after a backoff,
// only for a plain server fault: a rate limit or a Retry-After put the
// bucket in cooldown, a timeout says the bucket is slow now, and an open
// circuit keeps it out. The delay grows exponentially with full jitter and
// must fit the request's deadline.
func (r *run) scheduleRetry(m *member, e *providers.Error, now time.Time) {
	s := &r.b.s
	mr := &r.mr[m.idx]
	if e.Kind == providers.KindTimeout || e.Kind == providers.KindRateLimited || e.RetryAfter > 0 || mr.tries >= s.RetryCount {
		return
	}
	if st, _ := m.h.circuit(s, now); st != circuitClosed {
		return
	}
	if !mr.boInit {
		mr.bo = backoff.ExponentialBackOff{InitialInterval: s.RetryDelay, Multiplier: 2, MaxInterval: s.MaxRetryDelay}
		mr.bo.Reset()
		mr.boInit = true
	}
	var delay time.Duration
	if ceil := mr.bo.NextBackOff(); ceil > 0 {
		delay = time.Duration(r.b.rnd() * float64(ceil))
	}
	if dl, ok := r.ctx.Deadline(); ok && time.Until(dl) <= delay {
		return
	}
	r.retry, r.retryWait = m, delay
}

// isStatusKind reports the kinds failover_status_codes governs.
func isStatusKind(k providers.ErrorKind) bool {
	return k == providers.KindRateLimited || k == providers.KindOverloaded || k == providers.KindServer
}
