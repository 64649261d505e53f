package balancer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/llxprt/llxprt-ls/providers"
)

// outcomes a propProvider call can have.
var outcomes = []string{"ok", "ok", "429", "429-retry-after", "503", "500", "401", "400", "network", "too-long", "mid-stream"}

type callRecord struct {
	bucket, outcome, text string
}

// propProvider draws each call's outcome from rapid, so the engine explores
// and shrinks outcome sequences.
type propProvider struct {
	name string
	rt   *rapid.T
	log  *[]callRecord
}

func (p *propProvider) Name() string { return p.name }

func (p *propProvider) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		o := rapid.SampledFrom(outcomes).Draw(p.rt, p.name)
		text := fmt.Sprintf("%s%d.", p.name, len(*p.log))
		rec := callRecord{bucket: p.name, outcome: o, text: text}
		*p.log = append(*p.log, rec)
		fail := func(e *providers.Error) { e.Provider = p.name; yield(providers.Event{}, e) }
		switch o {
		case "429":
			fail(&providers.Error{Kind: providers.KindRateLimited, Status: 429})
		case "429-retry-after":
			fail(&providers.Error{Kind: providers.KindRateLimited, Status: 429, RetryAfter: 5 * time.Second})
		case "503":
			fail(&providers.Error{Kind: providers.KindOverloaded, Status: 503})
		case "500":
			fail(&providers.Error{Kind: providers.KindServer, Status: 500})
		case "401":
			fail(&providers.Error{Kind: providers.KindAuth, Status: 401})
		case "400":
			fail(&providers.Error{Kind: providers.KindBadRequest, Status: 400})
		case "network":
			fail(&providers.Error{Kind: providers.KindNetwork})
		case "too-long":
			fail(&providers.Error{Kind: providers.KindContextTooLong, Status: 400})
		case "mid-stream":
			if yield(providers.Event{Kind: providers.EventText, Text: text[:1]}, nil) {
				fail(&providers.Error{Kind: providers.KindNetwork, Message: "reset"})
			}
		default:
			for _, piece := range []string{text[:1], text[1:]} {
				if !yield(providers.Event{Kind: providers.EventText, Text: piece}, nil) {
					return
				}
			}
			yield(providers.Event{Kind: providers.EventDone}, nil)
		}
	}
}

func TestPropertyRouting(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 4).Draw(rt, "buckets")
		pol := rapid.SampledFrom(Policies()).Draw(rt, "policy")
		s := DefaultSettings()
		s.RetryCount = rapid.IntRange(1, 3).Draw(rt, "retries")
		s.CircuitBreakerFailureThreshold = rapid.IntRange(1, 3).Draw(rt, "threshold")
		s.MaxWait = 0 // never sleep on a real timer: a cooling bucket means failure
		var log []callRecord
		bs := make([]Bucket, n)
		for i := range bs {
			bs[i] = Bucket{Provider: &propProvider{name: string(rune('a' + i)), rt: rt, log: &log}, Model: "m"}
		}
		clk := newClock()
		var lb *Balancer
		var violation string
		observe := func(e Event) {
			if e.Kind != AttemptStart {
				return
			}
			for _, m := range lb.members {
				if m.b.Name != e.Bucket {
					continue
				}
				now := clk.Now()
				if _, _, ok := lb.cooldown(m, now); ok {
					violation = "attempt on " + e.Bucket + " during its cooldown"
				}
				if st, until := m.h.circuit(&lb.s, now); st == circuitOpen && until.After(now) {
					violation = "attempt on " + e.Bucket + " with an open circuit"
				}
				if m.disabled.Load() != nil {
					violation = "attempt on disabled " + e.Bucket
				}
			}
		}
		var err error
		lb, err = New(pol, bs, s, WithClock(clk.Now), WithObserver(observe), WithRand(rand.New(rand.NewPCG(1, 1))))
		if err != nil {
			rt.Fatal(err)
		}
		requests := rapid.IntRange(1, 8).Draw(rt, "requests")
		for range requests {
			clk.Advance(time.Duration(rapid.IntRange(0, 40).Draw(rt, "advance-s")) * time.Second)
			before := len(log)
			var tr Trace
			text, err := collect(lb.StreamTrace(context.Background(), req("hi"), &tr))
			if violation != "" {
				rt.Fatal(violation)
			}
			calls := log[before:]
			per := map[string]int{}
			okCalls := 0
			for _, c := range calls {
				per[c.bucket]++
				if c.outcome == "ok" {
					okCalls++
				}
			}
			for b, k := range per {
				if k > s.RetryCount+0 {
					rt.Fatalf("bucket %s tried %d times, budget %d", b, k, s.RetryCount)
				}
			}
			if (err == nil) != (okCalls == 1) || okCalls > 1 {
				rt.Fatalf("err = %v with %d successful attempts: %+v", err, okCalls, calls)
			}
			var want string
			if len(calls) > 0 {
				last := calls[len(calls)-1]
				switch last.outcome {
				case "ok":
					want = last.text
				case "mid-stream":
					want = last.text[:1]
				}
			}
			if text != want {
				rt.Fatalf("delivered %q, want exactly one attempt's text %q (calls %+v)", text, want, calls)
			}
			if err != nil {
				var pe *providers.Error
				if !errors.As(err, &pe) {
					rt.Fatalf("error %v carries no *providers.Error", err)
				}
			} else if tr.Served == "" {
				rt.Fatal("success without a served bucket in the trace")
			}
		}
	})
}

func TestPropertyRoundRobinEven(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(rt, "buckets")
		reqs := rapid.IntRange(0, 60).Draw(rt, "requests")
		ps := make([]*fakeProvider, n)
		for i := range ps {
			ps[i] = newFake(string(rune('a' + i)))
		}
		lb, err := New("round-robin", buckets(ps...), DefaultSettings())
		if err != nil {
			rt.Fatal(err)
		}
		for range reqs {
			if _, err := collect(lb.Stream(context.Background(), req("hi"))); err != nil {
				rt.Fatal(err)
			}
		}
		lo, hi := reqs, 0
		for _, p := range ps {
			lo, hi = min(lo, p.Calls()), max(hi, p.Calls())
		}
		if hi-lo > 1 {
			rt.Fatalf("uneven spread: min %d max %d over %d requests", lo, hi, reqs)
		}
	})
}
