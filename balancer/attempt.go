package balancer

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/models"
)

// watchdog cancels an attempt that stays silent too long: no content within
// the first-token timeout, or no event within the idle timeout after that
// (or from the start, when there is no first-token timeout).
type watchdog struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	idle   time.Duration
	first  time.Duration
	seen   atomic.Bool // content has arrived
}

// newWatchdog returns nil when neither timeout is set.
func newWatchdog(parent context.Context, s *Settings) *watchdog {
	if s.FirstTokenTimeout <= 0 && s.IdleTimeout <= 0 {
		return nil
	}
	w := &watchdog{first: s.FirstTokenTimeout, idle: s.IdleTimeout}
	w.ctx, w.cancel = context.WithCancelCause(parent)
	d := w.first
	if d <= 0 {
		d = w.idle
	}
	w.timer = time.AfterFunc(d, func() { w.cancel(errStalled) })
	return w
}

// touch notes an event. Before the first content only the idle timeout
// (when it is the one in force) is pushed back; after it, every event
// pushes the idle timeout back.
func (w *watchdog) touch(content bool) {
	if content && !w.seen.Load() {
		w.seen.Store(true)
	}
	switch {
	case !w.seen.Load() && w.first > 0:
	case w.idle > 0:
		w.timer.Reset(w.idle)
	default:
		w.timer.Stop()
	}
}

// pause stops the idle clock while the caller handles an event: time spent
// there (an editor repainting, a full stdout pipe) is not vendor silence.
// Before the first content it does nothing, so the first-token deadline
// keeps running whatever the caller does. Nil-safe, like resume.
func (w *watchdog) pause() {
	if w != nil && w.seen.Load() {
		w.timer.Stop()
	}
}

// resume restarts the idle clock after the caller is done with an event.
func (w *watchdog) resume() {
	if w != nil && w.seen.Load() {
		w.touch(false)
	}
}

func (w *watchdog) fired() bool { return context.Cause(w.ctx) == errStalled }

func (w *watchdog) stop() {
	w.timer.Stop()
	w.cancel(context.Canceled)
}

// attemptInline runs one attempt on the caller's goroutine (no hedging):
// events before the first content are held back, so a failure before it is
// invisible and the run can move on; from the first content on, events go
// straight to the caller. done reports that the request is over.
func (r *run) attemptInline(m *member, probe, retry bool) (done bool) {
	st := &r.cur
	*st = inlineState{pending: st.pending[:0]}
	a := r.begin(&st.a, m, probe, retry, false)
	creq := r.requestFor(&st.req, m)
	actx := r.ctx
	w := newWatchdog(r.ctx, &r.b.s)
	if w != nil {
		actx = w.ctx
		defer w.stop()
	}
	for ev, err := range m.b.Provider.Stream(actx, creq) {
		if err != nil {
			st.err = err
			break
		}
		if w != nil {
			w.touch(ev.IsContent())
		}
		if ev.Usage != nil {
			st.usage = *ev.Usage
		}
		if !st.committed {
			if !ev.IsContent() && ev.Kind != providers.EventDone {
				st.pending = append(st.pending, ev)
				continue
			}
			st.committed = true
			a.ttft = r.b.now().Sub(a.start)
			w.pause()
			ok := r.flush(st.pending)
			w.resume()
			if !ok {
				st.stopped = true
				break
			}
		}
		w.pause()
		ok := r.yield(ev, nil)
		w.resume()
		if !ok {
			st.stopped = true
			break
		}
	}
	if st.err == nil {
		r.served(a, st.usage, st.stopped)
		return true
	}
	e := r.classify(m, st.err, w)
	if st.committed {
		r.committedFailure(a, e, st.usage)
		return true
	}
	if r.fail(a, e, false) {
		r.giveUp(e)
		return true
	}
	return false
}

// committedFailure ends a stream that failed after content reached the
// caller: the text already delivered stays, the error ends the stream.
func (r *run) committedFailure(a *attempt, e *providers.Error, u providers.Usage) {
	a.m.c.addUsage(u, models.Cost(a.m.info, u))
	r.fail(a, e, true)
	r.yield(providers.Event{}, e)
}

// flush sends held-back events; false when the caller stopped.
func (r *run) flush(pending []providers.Event) bool {
	for _, p := range pending {
		if !r.yield(p, nil) {
			return false
		}
	}
	return true
}
