package balancer

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

func TestHedging(t *testing.T) {
	tests := []struct {
		name         string
		a, b         step
		wantTried    []string
		wantText     string
		wantWon      [2]int64
		wantLost     [2]int64
		wantDuration time.Duration
	}{
		{name: "hedge wins", a: step{delay: time.Minute, text: []string{"slow"}}, b: step{delay: 100 * time.Millisecond, text: []string{"fast"}},
			wantTried: []string{"a:cancelled", "b:served"}, wantText: "fast", wantWon: [2]int64{0, 1}, wantLost: [2]int64{1, 0}, wantDuration: 1100 * time.Millisecond},
		{name: "primary still wins", a: step{delay: 1500 * time.Millisecond, text: []string{"first"}}, b: step{delay: time.Second, text: []string{"second"}},
			wantTried: []string{"b:cancelled", "a:served"}, wantText: "first", wantWon: [2]int64{1, 0}, wantLost: [2]int64{0, 1}, wantDuration: 1500 * time.Millisecond},
		{name: "fast primary, no hedge", a: step{delay: 500 * time.Millisecond}, b: step{},
			wantTried: []string{"a:served"}, wantText: "ok", wantDuration: 500 * time.Millisecond},
		{name: "hedge fails, primary serves", a: step{delay: 3 * time.Second}, b: step{err: status(401)},
			wantTried: []string{"b:failed", "a:served"}, wantText: "ok", wantDuration: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := newFake("a", tt.a), newFake("b", tt.b)
				s := DefaultSettings()
				s.HedgeAfter = time.Second
				lb := mustNew(t, "failover", buckets(a, b), s)
				start := time.Now()
				text, tr, err := call(t, lb)
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d != tt.wantDuration {
					t.Errorf("took %v (fake time), want %v", d, tt.wantDuration)
				}
				if diff := cmp.Diff(tt.wantTried, tried(tr)); diff != "" {
					t.Errorf("tried (-want +got):\n%s", diff)
				}
				if text != tt.wantText {
					t.Errorf("text %q, want %q", text, tt.wantText)
				}
				st := lb.Stats()
				if got := [2]int64{st[0].HedgesWon, st[1].HedgesWon}; got != tt.wantWon {
					t.Errorf("hedges won %v, want %v", got, tt.wantWon)
				}
				if got := [2]int64{st[0].HedgesLost, st[1].HedgesLost}; got != tt.wantLost {
					t.Errorf("hedges lost %v, want %v", got, tt.wantLost)
				}
				if a.liveCount()+b.liveCount() != 0 {
					t.Error("a stream outlived the request")
				}
			})
		})
	}
}

func TestHedgingCallerStopsEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newFake("a", step{text: []string{"one", "two", "three"}, gap: time.Second})
		s := DefaultSettings()
		s.HedgeAfter = time.Second
		lb := mustNew(t, "failover", buckets(a, newFake("b")), s)
		var got []string
		for ev, err := range lb.Stream(t.Context(), req("hi")) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.Text)
			break
		}
		synctest.Wait()
		if len(got) != 1 || got[0] != "one" || a.liveCount() != 0 {
			t.Fatalf("got %v, live %d", got, a.liveCount())
		}
		if st := lb.Stats()[0]; st.Successes != 1 {
			t.Fatalf("a stream the caller stopped is no failure: %+v", st)
		}
	})
}

func TestEventsBeforeContentAreHeldThenDelivered(t *testing.T) {
	p := &scripted{events: []providers.Event{
		{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 5}},
		{Kind: providers.EventThinking, Text: "hmm"},
		{Kind: providers.EventText, Text: "answer"},
		{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 5, OutputTokens: 7}},
		{Kind: providers.EventDone, Text: "end_turn"},
	}}
	lb := mustNew(t, "failover", []Bucket{{Provider: p, Model: "m"}}, DefaultSettings())
	var kinds []string
	for ev, err := range lb.Stream(t.Context(), req("hi")) {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.Kind.String())
	}
	if diff := cmp.Diff([]string{"usage", "thinking", "text", "usage", "done"}, kinds); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if st := lb.Stats()[0]; st.InputTokens != 5 || st.OutputTokens != 7 {
		t.Fatalf("usage = %d/%d, want the last usage event", st.InputTokens, st.OutputTokens)
	}
}

// scripted yields fixed events.
type scripted struct{ events []providers.Event }

func (scripted) Name() string { return "scripted" }

func (s *scripted) Stream(context.Context, *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		for _, e := range s.events {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func TestTPMThreshold(t *testing.T) {
	clk := newClock()
	a, b := newFake("a"), newFake("b")
	a.def = step{usage: providers.Usage{InputTokens: 600, OutputTokens: 400}}
	s := DefaultSettings()
	s.TPMThreshold = 2000
	lb := mustNew(t, "failover", buckets(a, b), s, WithClock(clk.Now))
	var served []string
	for range 3 {
		_, tr, _ := call(t, lb)
		served = append(served, tr.Served)
	}
	if diff := cmp.Diff([]string{"a", "a", "b"}, served); diff != "" {
		t.Fatalf("served (-want +got):\n%s", diff)
	}
	_, tr, _ := call(t, lb)
	if !strings.Contains(tr.Attempts[0].Reason, "2000 tokens in the last minute") {
		t.Fatalf("skip reason = %q", tr.Attempts[0].Reason)
	}
	clk.Advance(61 * time.Second)
	if _, tr, _ := call(t, lb); tr.Served != "a" {
		t.Fatalf("a minute later served by %q", tr.Served)
	}
}

func TestNothingAvailableError(t *testing.T) {
	clk := newClock()
	a, b := newFake("a", step{err: rateLimited(time.Hour)}), newFake("b", step{err: rateLimited(2 * time.Hour)})
	s := DefaultSettings()
	s.MaxWait = 0
	lb := mustNew(t, "failover", buckets(a, b), s, WithClock(clk.Now))
	call(t, lb)
	_, tr, err := call(t, lb)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || len(tried(tr)) != 0 {
		t.Fatalf("err %v, tried %v", err, tried(tr))
	}
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindRateLimited || pe.RetryAfter != time.Hour {
		t.Fatalf("unwrapped = %+v, want rate limited, retry after 1h", pe)
	}
	want := []BucketState{
		{Bucket: "a", State: "cooldown", Reason: "cooldown until 11:00:00 (rate limited)", Until: clk.Now().Add(time.Hour)},
		{Bucket: "b", State: "cooldown", Reason: "cooldown until 12:00:00 (rate limited)", Until: clk.Now().Add(2 * time.Hour)},
	}
	if diff := cmp.Diff(want, ex.Buckets); diff != "" {
		t.Fatalf("buckets (-want +got):\n%s", diff)
	}
}

func TestRetryDelayGrowsWithJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newFake("a", step{err: status(500)}, step{err: status(500)}, step{err: status(500)})
		s := DefaultSettings()
		s.RetryCount, s.RetryDelay, s.CircuitBreakerEnabled = 4, time.Second, false
		var starts []time.Time
		lb := mustNew(t, "failover", buckets(a), s, WithRand(rand.New(oneSource{})), WithObserver(func(e Event) {
			if e.Kind == AttemptStart {
				starts = append(starts, e.Time)
			}
		}))
		if _, _, err := call(t, lb); err != nil {
			t.Fatal(err)
		}
		var gaps []time.Duration
		for i := 1; i < len(starts); i++ {
			gaps = append(gaps, starts[i].Sub(starts[i-1]).Round(time.Millisecond))
		}
		// With every random draw at its top, full jitter gives the ceiling: 1s, 2s, 4s.
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, gaps); diff != "" {
			t.Fatalf("gaps (-want +got):\n%s", diff)
		}
	})
}

// oneSource draws just under 1.
type oneSource struct{}

func (oneSource) Uint64() uint64 { return ^uint64(0) }

func TestOpenCircuitIsPublished(t *testing.T) {
	clk := newClock()
	shared := &memShared{m: map[string]sharedEntry{}}
	s := DefaultSettings()
	s.RetryCount, s.CircuitBreakerFailureThreshold = 1, 1
	lb := mustNew(t, "failover", buckets(newFake("a", step{err: status(500)}), newFake("b")), s, WithClock(clk.Now), WithSharedState(shared))
	call(t, lb)
	e := shared.m["a/a-model"]
	if e.reason != "circuit open" || !e.until.Equal(clk.Now().Add(s.CircuitBreakerRecoveryTimeout)) {
		t.Fatalf("published %+v", e)
	}
}

func TestConcurrentRequests(t *testing.T) {
	a, b, c := newFake("a"), newFake("b"), newFake("c")
	a.def = step{err: status(503)}
	lb := mustNew(t, "round-robin", buckets(a, b, c), DefaultSettings())
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if _, err := collect(lb.Stream(context.Background(), req("hi"))); err != nil {
					t.Error(err)
				}
				_ = lb.Stats()
			}
		})
	}
	wg.Wait()
	var n int64
	for _, st := range lb.Stats() {
		n += st.Successes
	}
	if n != 16*20 {
		t.Fatalf("successes = %d", n)
	}
}

func TestFailoverStatusCodes(t *testing.T) {
	tests := []struct {
		name  string
		codes []int
		err   *providers.Error
		want  []string
	}{
		{"listed status fails over", []int{500}, status(500), []string{"a:failed", "b:served"}},
		{"unlisted status is returned", []int{503}, status(500), []string{"a:failed"}},
		{"unlisted 429 is returned", []int{503}, rateLimited(0), []string{"a:failed"}},
		{"auth moves on whatever the list", []int{503}, status(401), []string{"a:failed", "b:served"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			s.FailoverStatusCodes, s.RetryCount = tt.codes, 1
			lb := mustNew(t, "failover", buckets(newFake("a", step{err: tt.err}), newFake("b")), s)
			_, tr, _ := call(t, lb)
			if diff := cmp.Diff(tt.want, tried(tr)); diff != "" {
				t.Fatalf("tried (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHedgingWithTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := DefaultSettings()
		s.HedgeAfter, s.FirstTokenTimeout, s.RequestTimeout = time.Second, 3*time.Second, 10*time.Second
		a, b, c := newFake("a", step{hang: true}), newFake("b", step{hang: true}), newFake("c", step{hang: true})
		lb := mustNew(t, "failover", buckets(a, b, c), s)
		start := time.Now()
		_, tr, err := call(t, lb)
		var ex *ExhaustedError
		if !errors.As(err, &ex) {
			t.Fatalf("err = %v", err)
		}
		// a starts at 0, b hedges at 1s; a times out at 3s, b at 4s; c starts
		// at 4s (b's failure empties the race) and times out at 7s.
		if d := time.Since(start); d != 7*time.Second {
			t.Fatalf("took %v, want 7s", d)
		}
		if diff := cmp.Diff([]string{"a:failed", "b:failed", "c:failed"}, tried(tr)); diff != "" {
			t.Fatalf("tried (-want +got):\n%s", diff)
		}
		if a.liveCount()+b.liveCount()+c.liveCount() != 0 {
			t.Fatal("a stream outlived the request")
		}
	})
}

func TestAttemptJSON(t *testing.T) {
	a := Attempt{Bucket: "a", Provider: "p", Model: "m", Outcome: "failed", Reason: "503 overloaded", Kind: providers.KindOverloaded,
		Status: 503, Start: 1500 * time.Microsecond, TTFT: 0, Duration: 2 * time.Second, Hedge: true}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bucket":"a","provider":"p","model":"m","outcome":"failed","reason":"503 overloaded","kind":"overloaded","status":503,"hedge":true,"start_ms":1.5,"duration_ms":2000}`
	if string(b) != want {
		t.Fatalf("json = %s\nwant   %s", b, want)
	}
	var back Attempt
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, back); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestHedgeGiveUpCancelsTheOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := DefaultSettings()
		s.HedgeAfter = time.Second
		a, b := newFake("a", step{hang: true}), newFake("b", step{delay: time.Second, err: status(400)})
		lb := mustNew(t, "failover", buckets(a, b), s)
		_, tr, err := call(t, lb)
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindBadRequest {
			t.Fatalf("err = %v", err)
		}
		if diff := cmp.Diff([]string{"b:failed", "a:cancelled"}, tried(tr)); diff != "" {
			t.Fatalf("tried (-want +got):\n%s", diff)
		}
		if a.liveCount() != 0 {
			t.Fatal("a outlived the request")
		}
	})
}

func TestUniqueNames(t *testing.T) {
	bs := []Bucket{{Name: "x"}, {Name: "x"}, {Name: "x#2"}, {Name: "x"}, {}}
	for i := range bs {
		bs[i].Provider, bs[i].Model = newFake("p"), "m"
	}
	var names []string
	for _, b := range mustNew(t, "failover", bs, DefaultSettings()).Buckets() {
		names = append(names, b.Name)
	}
	if diff := cmp.Diff([]string{"x", "x#2", "x#2#2", "x#3", "p/m"}, names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
}
