package balancer

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// step scripts one call of a fakeProvider.
type step struct {
	text  []string         // content pieces (default "ok")
	err   *providers.Error // fail after `after` pieces
	hang  bool             // after `after` pieces, wait for ctx
	after int
	delay time.Duration // before the first piece
	gap   time.Duration // between pieces
	usage providers.Usage
}

// fakeProvider is an in-process Provider answering from a script: fast,
// deterministic, and timer-driven only where a step asks (synctest).
type fakeProvider struct {
	name string

	mu     sync.Mutex
	script []step
	def    step
	calls  []string // model per call
	live   int      // streams running now
}

func newFake(name string, steps ...step) *fakeProvider {
	return &fakeProvider{name: name, script: steps}
}

func (f *fakeProvider) Name() string { return f.name }

func (f *fakeProvider) next(model string) step {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, model)
	if len(f.script) > 0 {
		s := f.script[0]
		f.script = f.script[1:]
		return s
	}
	return f.def
}

func (f *fakeProvider) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeProvider) push(steps ...step) {
	f.mu.Lock()
	f.script = append(f.script, steps...)
	f.mu.Unlock()
}

func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeProvider) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		s := f.next(req.Model)
		f.mu.Lock()
		f.live++
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.live--
			f.mu.Unlock()
		}()
		text := s.text
		if len(text) == 0 {
			text = []string{"ok"}
		}
		fail := func(e error) { yield(providers.Event{}, providers.AsError(f.name, e)) }
		if err := wait(ctx, s.delay); err != nil {
			fail(err)
			return
		}
		for i, p := range text {
			if i == s.after && (s.err != nil || s.hang) {
				break
			}
			if i > 0 {
				if err := wait(ctx, s.gap); err != nil {
					fail(err)
					return
				}
			}
			if !yield(providers.Event{Kind: providers.EventText, Text: p}, nil) {
				return
			}
		}
		if s.hang {
			<-ctx.Done()
			fail(ctx.Err())
			return
		}
		if s.err != nil {
			e := *s.err
			e.Provider = f.name
			yield(providers.Event{}, &e)
			return
		}
		u := s.usage
		if !yield(providers.Event{Kind: providers.EventUsage, Usage: &u}, nil) {
			return
		}
		yield(providers.Event{Kind: providers.EventDone, Text: "stop"}, nil)
	}
}

// Shorthands for scripted errors.
func status(code int) *providers.Error {
	return &providers.Error{Kind: providers.KindForStatus(code, ""), Status: code, Message: "fake"}
}

func rateLimited(after time.Duration) *providers.Error {
	return &providers.Error{Kind: providers.KindRateLimited, Status: 429, RetryAfter: after, Message: "slow down"}
}

func netErr() *providers.Error {
	return &providers.Error{Kind: providers.KindNetwork, Message: "connection refused"}
}

// collect drains a stream into its text and final error.
func collect(seq iter.Seq2[providers.Event, error]) (string, error) {
	var text string
	for ev, err := range seq {
		if err != nil {
			return text, err
		}
		if ev.Kind == providers.EventText {
			text += ev.Text
		}
	}
	return text, nil
}

// tried lists the buckets a trace attempted (not skipped), with outcomes.
func tried(tr *Trace) []string {
	var out []string
	for _, a := range tr.Attempts {
		if a.Outcome != "skipped" {
			out = append(out, a.Bucket+":"+a.Outcome)
		}
	}
	return out
}

// fixedClock is a settable clock for WithClock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fixedClock { return &fixedClock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)} }

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func req(text string) *providers.Request {
	return &providers.Request{Model: "ignored", Messages: []providers.Message{{Role: providers.RoleUser, Content: text}}}
}

func buckets(ps ...*fakeProvider) []Bucket {
	out := make([]Bucket, len(ps))
	for i, p := range ps {
		out[i] = Bucket{Name: p.name, Provider: p, Model: p.name + "-model"}
	}
	return out
}
