package balancer

import (
	"context"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// item is one thing a racer's stream produced.
type item struct {
	ev  providers.Event
	err error
	end bool
}

// racer runs one attempt on its own goroutine so two can race (hedging).
// The channel is unbuffered: the vendor stream is read only as fast as the
// caller takes events, so back-pressure is kept.
type racer struct {
	a       *attempt
	att     attempt
	req     providers.Request
	w       *watchdog
	cancel  context.CancelCauseFunc
	ch      chan item
	abandon chan struct{}
	done    chan struct{}
	stopped bool
	pending []providers.Event
	usage   providers.Usage
}

func (r *run) launch(m *member, probe, retry, hedge bool) *racer {
	x := &racer{ch: make(chan item), abandon: make(chan struct{}), done: make(chan struct{})}
	x.a = r.begin(&x.att, m, probe, retry, hedge)
	var ctx context.Context
	ctx, x.cancel = context.WithCancelCause(r.ctx)
	if x.w = newWatchdog(ctx, &r.b.s); x.w != nil {
		ctx = x.w.ctx
	}
	creq := r.requestFor(&x.req, m)
	go func() {
		defer close(x.done)
		send := func(it item) bool {
			select {
			case x.ch <- it:
				return true
			case <-x.abandon:
				return false
			}
		}
		for ev, err := range m.b.Provider.Stream(ctx, creq) {
			if err == nil && x.w != nil {
				x.w.touch(ev.IsContent())
			}
			// The send waits for the run loop, which waits for the caller:
			// not vendor silence.
			x.w.pause()
			ok := send(item{ev: ev, err: err})
			x.w.resume()
			if !ok || err != nil {
				return
			}
		}
		send(item{end: true})
	}()
	return x
}

// stop cancels the racer and waits for its goroutine: none outlives the
// request.
func (x *racer) stop(cause error) {
	if x.stopped {
		return
	}
	x.stopped = true
	close(x.abandon)
	x.cancel(cause)
	if x.w != nil {
		x.w.stop()
	}
	<-x.done
}

// hedged is the run's loop when hedge_after_ms is set: the bucket being
// tried gets HedgeAfter to send content, then the next available bucket
// starts beside it and the first to send content wins.
func (r *run) hedged() {
	var racers []*racer
	defer func() {
		for _, x := range racers {
			x.stop(context.Canceled)
		}
	}()
	hedgeT := time.NewTimer(time.Hour)
	hedgeT.Stop()
	defer hedgeT.Stop()
	var hedgeC <-chan time.Time
	for {
		if len(racers) == 0 {
			m, probe, retry, ok := r.next(false)
			if !ok {
				r.exhausted()
				return
			}
			racers = append(racers, r.launch(m, probe, retry, false))
			hedgeT.Reset(r.b.s.HedgeAfter)
			hedgeC = hedgeT.C
		}
		var c0, c1 <-chan item
		c0 = racers[0].ch
		if len(racers) > 1 {
			c1 = racers[1].ch
		}
		var it item
		var i int
		select {
		case it = <-c0:
		case it = <-c1:
			i = 1
		case <-hedgeC:
			hedgeC = nil
			if len(racers) == 1 {
				if m, probe, _, ok := r.next(true); ok {
					racers = append(racers, r.launch(m, probe, false, true))
				}
			}
			continue
		case <-r.ctx.Done():
			for _, x := range racers {
				x.stop(context.Canceled)
				r.cancelled(x.a, "the request ended")
			}
			racers = nil
			r.exhausted()
			return
		}
		x := racers[i]
		switch {
		case it.err != nil:
			<-x.done
			x.stopped = true
			racers = append(racers[:i], racers[i+1:]...)
			e := r.classify(x.a.m, it.err, x.w)
			if x.w != nil {
				x.w.stop()
			}
			x.cancel(context.Canceled)
			if r.fail(x.a, e, false) {
				for _, o := range racers {
					o.stop(context.Canceled)
					r.cancelled(o.a, "the request ended with "+x.a.m.b.Name+"'s error")
				}
				racers = nil
				r.giveUp(e)
				return
			}
		case !it.end && !it.ev.IsContent() && it.ev.Kind != providers.EventDone:
			x.pending = append(x.pending, it.ev)
			if it.ev.Usage != nil {
				x.usage = *it.ev.Usage
			}
		default:
			for j, o := range racers {
				if j != i {
					o.stop(errLostRace)
					o.a.m.c.lostHedge()
					r.cancelled(o.a, "lost the hedge race to "+x.a.m.b.Name)
					x.a.wonRace = true
				}
			}
			racers = racers[i : i+1]
			r.stream(x, it)
			return
		}
	}
}

// stream forwards the winner's events to the caller until its end.
func (r *run) stream(x *racer, first item) {
	x.a.ttft = r.b.now().Sub(x.a.start)
	stopped := !r.flush(x.pending)
	it := first
	for !stopped && !it.end {
		if it.ev.Usage != nil {
			x.usage = *it.ev.Usage
		}
		if !r.yield(it.ev, nil) {
			stopped = true
			break
		}
		it = <-x.ch
		if it.err != nil {
			<-x.done
			x.stopped = true
			e := r.classify(x.a.m, it.err, x.w)
			r.committedFailure(x.a, e, x.usage)
			return
		}
	}
	r.served(x.a, x.usage, stopped)
}
