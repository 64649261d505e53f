package balancer

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

func mustNew(t *testing.T, policy string, bs []Bucket, s Settings, opts ...Option) *Balancer {
	t.Helper()
	lb, err := New(policy, bs, s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return lb
}

func call(t *testing.T, lb *Balancer) (string, *Trace, error) {
	t.Helper()
	var tr Trace
	text, err := collect(lb.StreamTrace(t.Context(), req("hi"), &tr))
	return text, &tr, err
}

func TestCooldownSkipsAndNeverShortens(t *testing.T) {
	clk := newClock()
	a, b := newFake("a", step{err: rateLimited(time.Minute)}), newFake("b")
	lb := mustNew(t, "failover", buckets(a, b), DefaultSettings(), WithClock(clk.Now))
	if _, _, err := call(t, lb); err != nil {
		t.Fatal(err)
	}
	// A second, shorter cooldown must not shorten the first.
	lb.setCooldown(lb.members[0], clk.Now().Add(time.Second), "short")
	clk.Advance(30 * time.Second)
	_, tr, err := call(t, lb)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Attempts[0]; got.Outcome != "skipped" || !strings.Contains(got.Reason, "cooldown until 10:01:00 (rate limited)") {
		t.Fatalf("first attempt = %+v, want a skipped for its cooldown", got)
	}
	if a.Calls() != 1 {
		t.Fatalf("a was called %d times while cooling down", a.Calls())
	}
	st := lb.Stats()[0]
	if st.State != "cooldown" || st.CooldownUntil == nil || !st.CooldownUntil.Equal(clk.Now().Add(30*time.Second)) {
		t.Fatalf("a's stats = %+v", st)
	}
	if tr.Failovers != 1 {
		t.Fatalf("skipping the first choice is a failover: trace has %d", tr.Failovers)
	}
	clk.Advance(31 * time.Second)
	if _, tr, _ := call(t, lb); tr.Served != "a" {
		t.Fatalf("after the cooldown, served by %q, want a", tr.Served)
	}
}

func TestQuotaGroupCoolsSiblings(t *testing.T) {
	clk := newClock()
	a1, a2, b := newFake("a1", step{err: rateLimited(0)}), newFake("a2"), newFake("b")
	bs := buckets(a1, a2, b)
	bs[0].QuotaGroup, bs[1].QuotaGroup = "acct", "acct"
	lb := mustNew(t, "failover", bs, DefaultSettings(), WithClock(clk.Now))
	_, tr, err := call(t, lb)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a1:failed", "b:served"}, tried(tr)); diff != "" {
		t.Fatalf("tried (-want +got):\n%s", diff)
	}
	if a2.Calls() != 0 {
		t.Fatal("a2 shares a1's quota and should have been skipped")
	}
	// No Retry-After: the default cooldown applies.
	if until := lb.Stats()[1].CooldownUntil; until == nil || !until.Equal(clk.Now().Add(DefaultSettings().RateLimitCooldown)) {
		t.Fatalf("a2 cooldown = %v", until)
	}
}

func TestAuthFailureKeepsBucketOut(t *testing.T) {
	a, b := newFake("a", step{err: status(401)}), newFake("b")
	lb := mustNew(t, "failover", buckets(a, b), DefaultSettings())
	for range 3 {
		if _, _, err := call(t, lb); err != nil {
			t.Fatal(err)
		}
	}
	if a.Calls() != 1 {
		t.Fatalf("a called %d times after a 401, want 1", a.Calls())
	}
	st := lb.Stats()[0]
	if st.State != "disabled" || !strings.Contains(st.DisabledReason, "reload the profile") {
		t.Fatalf("a's state = %q %q", st.State, st.DisabledReason)
	}
}

func TestCircuitBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := DefaultSettings()
		s.RetryCount = 1
		a, b := newFake("a"), newFake("b")
		for range 3 {
			a.push(step{err: status(500)})
		}
		lb := mustNew(t, "failover", buckets(a, b), s)
		for range 3 {
			if _, _, err := call(t, lb); err != nil {
				t.Fatal(err)
			}
		}
		if st := lb.Stats()[0]; st.State != "open" || st.Circuit != "open" {
			t.Fatalf("after 3 failures a is %q/%q, want open", st.State, st.Circuit)
		}
		_, tr, _ := call(t, lb)
		if got := tr.Attempts[0]; got.Outcome != "skipped" || !strings.HasPrefix(got.Reason, "circuit open until") {
			t.Fatalf("open circuit attempt = %+v", got)
		}
		if a.Calls() != 3 {
			t.Fatalf("a called %d times, want 3", a.Calls())
		}
		// After the recovery timeout exactly one probe passes.
		time.Sleep(s.CircuitBreakerRecoveryTimeout)
		a.push(step{hang: true})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			collect(lb.Stream(ctx, req("probe")))
		}()
		synctest.Wait() // the probe hangs in a
		if a.liveCount() != 1 {
			t.Fatal("the probe is not in flight")
		}
		_, tr, _ = call(t, lb)
		if got := tr.Attempts[0]; got.Outcome != "skipped" || !strings.Contains(got.Reason, "probe is in flight") {
			t.Fatalf("second request during the probe: %+v", got)
		}
		cancel()
		<-done
		// The cancelled probe was no verdict: the next request probes again and closes it.
		if _, tr, _ := call(t, lb); tr.Served != "a" {
			t.Fatalf("probe request served by %q", tr.Served)
		}
		if st := lb.Stats()[0]; st.Circuit != "closed" {
			t.Fatalf("after a good probe a's circuit is %q", st.Circuit)
		}
	})
}

func (f *fakeProvider) liveCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live
}

func TestHalfOpenProbeFailureReopens(t *testing.T) {
	clk := newClock()
	s := DefaultSettings()
	s.RetryCount, s.CircuitBreakerFailureThreshold = 1, 1
	a, b := newFake("a", step{err: status(502)}, step{err: status(502)}), newFake("b")
	lb := mustNew(t, "failover", buckets(a, b), s, WithClock(clk.Now))
	call(t, lb)
	clk.Advance(s.CircuitBreakerRecoveryTimeout)
	if _, tr, _ := call(t, lb); tr.Served != "b" || a.Calls() != 2 {
		t.Fatalf("probe: served %q, a calls %d", tr.Served, a.Calls())
	}
	st := lb.Stats()[0]
	if st.Circuit != "open" || !st.CircuitOpenUntil.Equal(clk.Now().Add(s.CircuitBreakerRecoveryTimeout)) {
		t.Fatalf("after a failed probe: %+v", st)
	}
}

// TestHalfOpenOnlyTheProbeDecides: attempts let through before the circuit
// opened may end while the probe is in flight; neither their success nor
// their failure may close the circuit, reopen it or free a second probe.
func TestHalfOpenOnlyTheProbeDecides(t *testing.T) {
	s := DefaultSettings()
	s.CircuitBreakerFailureThreshold = 1
	now := time.Unix(1000, 0)
	var h health
	if _, opened := h.failure(&s, now, false); !opened {
		t.Fatal("one failure at threshold 1 did not open the circuit")
	}
	now = now.Add(s.CircuitBreakerRecoveryTimeout)
	ok, probe, _ := h.allow(&s, now)
	if !ok || !probe {
		t.Fatalf("half-open: allow = %v, probe = %v; want the probe", ok, probe)
	}
	h.success(false) // a late success from before the circuit opened
	if st, _ := h.circuit(&s, now); st != circuitHalfOpen {
		t.Fatalf("a late success set the circuit %v, want half-open", st)
	}
	if _, reopened := h.failure(&s, now, false); reopened {
		t.Fatal("a late failure reopened the circuit under the probe")
	}
	if ok, _, _ := h.allow(&s, now); ok {
		t.Fatal("a second probe was let through while the first is in flight")
	}
	h.success(true)
	if st, _ := h.circuit(&s, now); st != circuitClosed {
		t.Fatalf("after the probe's success the circuit is %v, want closed", st)
	}
}

func TestWaitsForSoonestCooldown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newFake("a", step{err: rateLimited(3 * time.Second)}), newFake("b", step{err: rateLimited(time.Second)})
		var waits []Event
		lb := mustNew(t, "failover", buckets(a, b), DefaultSettings(), WithObserver(func(e Event) {
			if e.Kind == Waiting {
				waits = append(waits, e)
			}
		}))
		start := time.Now()
		text, tr, err := call(t, lb)
		if err != nil || text != "ok" {
			t.Fatalf("text %q err %v", text, err)
		}
		if diff := cmp.Diff([]string{"a:failed", "b:failed", "b:served"}, tried(tr)); diff != "" {
			t.Fatalf("tried (-want +got):\n%s", diff)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("waited %v, want b's 1s cooldown", waited)
		}
		// The wait is announced, with the bucket, why it is out and when it
		// frees, so an editor can say why the answer pauses.
		if len(waits) != 1 || waits[0].Bucket != "b" || !waits[0].Until.Equal(start.Add(time.Second)) ||
			!strings.Contains(waits[0].Reason, "429") {
			t.Fatalf("waiting events = %+v, want one for b until start+1s with the 429", waits)
		}
	})
}

func TestExhaustedListsEveryBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := DefaultSettings()
		s.RequestTimeout = 5 * time.Second
		a := newFake("a", step{err: rateLimited(time.Hour)})
		b := newFake("b", step{err: status(503)}, step{err: status(503)})
		c := newFake("c", step{err: status(403)})
		var events []Event
		var mu sync.Mutex
		lb := mustNew(t, "failover", buckets(a, b, c), s, WithObserver(func(e Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}))
		start := time.Now()
		_, _, err := call(t, lb)
		if time.Since(start) != 0 {
			t.Fatalf("an hour's cooldown is past the deadline: should fail at once, took %v", time.Since(start))
		}
		var ex *ExhaustedError
		if !errors.As(err, &ex) {
			t.Fatalf("err = %v, want *ExhaustedError", err)
		}
		msg := ex.Error()
		for _, want := range []string{"a: cooldown", "frees at", "b: failed (503 overloaded", "c: disabled (403 auth"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
			t.Errorf("Unwrap = %v, want the last error (auth)", pe)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind.String())
		}
		want := []string{"attempt-start", "attempt-failed", "failover", "attempt-start", "attempt-failed",
			"attempt-start", "attempt-failed", "failover", "attempt-start", "attempt-failed", "exhausted"}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if events[2].From != "a" || events[2].To != "b" || !strings.Contains(events[2].Reason, "429") {
			t.Errorf("failover event = %+v", events[2])
		}
	})
}

func TestRequestTimeoutBoundsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := DefaultSettings()
		s.RequestTimeout = 2 * time.Second
		a, b := newFake("a", step{hang: true}), newFake("b")
		lb := mustNew(t, "failover", buckets(a, b), s)
		start := time.Now()
		_, tr, err := call(t, lb)
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("returned after %v, want the 2s request timeout", d)
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindTimeout {
			t.Fatalf("err = %v, want a timeout", err)
		}
		if got := tried(tr); len(got) != 1 || got[0] != "a:cancelled" {
			t.Fatalf("tried = %v", got)
		}
		if st := lb.Stats()[0]; len(st.Failures) != 0 {
			t.Fatalf("the request's own deadline was held against a: %+v", st.Failures)
		}
	})
}

func TestClientCancelIsNotCountedOrRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := newFake("a", step{hang: true}), newFake("b")
		lb := mustNew(t, "failover", buckets(a, b), DefaultSettings())
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(time.Second) // synctest: fake time
			cancel()
		}()
		_, err := collect(lb.Stream(ctx, req("hi")))
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindCanceled {
			t.Fatalf("err = %v, want canceled", err)
		}
		if b.Calls() != 0 || a.Calls() != 1 {
			t.Fatalf("calls a=%d b=%d: a cancel must not fail over or retry", a.Calls(), b.Calls())
		}
		if st := lb.Stats()[0]; len(st.Failures) != 0 || st.Circuit != "closed" {
			t.Fatalf("cancel counted against a: %+v", st)
		}
	})
}

func TestContextWindowSkipAndAllTooSmall(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	bs := buckets(a, b)
	bs[0].ContextLimit, bs[1].ContextLimit = 1000, 5000
	lb := mustNew(t, "failover", bs, DefaultSettings())
	if lb.SmallestContextWindow() != 1000 {
		t.Fatalf("smallest = %d", lb.SmallestContextWindow())
	}
	var tr Trace
	big := req(strings.Repeat("word ", 1000)) // ~1250 tokens
	if _, err := collect(lb.StreamTrace(t.Context(), big, &tr)); err != nil {
		t.Fatal(err)
	}
	if tr.Served != "b" || tr.Attempts[0].Outcome != "skipped" || !strings.Contains(tr.Attempts[0].Reason, "context window 1000 < ") {
		t.Fatalf("trace = %+v", tr)
	}
	huge := req(strings.Repeat("word ", 10000))
	_, err := collect(lb.Stream(t.Context(), huge))
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindContextTooLong || !strings.Contains(pe.Message, "a 1000, b 5000") {
		t.Fatalf("err = %v, want context too long listing the limits", err)
	}
	if a.Calls()+b.Calls() != 1 {
		t.Fatalf("calls = %d", a.Calls()+b.Calls())
	}
}

func TestWindowFromModelMetadataAndProfile(t *testing.T) {
	p := newFake("anthropic")
	bs := []Bucket{
		{Provider: p, Model: "claude-sonnet-4-5"},
		{Provider: newFake("custom"), Model: "my-local-model"},
		{Provider: p, Model: "claude-sonnet-4-5", ContextLimit: 100000},
	}
	s := DefaultSettings()
	s.ContextLimit = 32000
	lb := mustNew(t, "failover", bs, s)
	var got []int
	var names []string
	for _, st := range lb.Stats() {
		got = append(got, st.ContextWindow)
		names = append(names, st.Name)
	}
	if diff := cmp.Diff([]int{200000, 32000, 100000}, got); diff != "" {
		t.Fatalf("windows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"anthropic/claude-sonnet-4-5", "custom/my-local-model", "anthropic/claude-sonnet-4-5#2"}, names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	if lb.SmallestContextWindow() != 32000 {
		t.Fatalf("smallest = %d", lb.SmallestContextWindow())
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New("fastest-first", buckets(newFake("a")), DefaultSettings()); err == nil || !strings.Contains(err.Error(), "failover, round-robin, random, weighted, latency") {
		t.Fatalf("unknown policy error = %v", err)
	}
	if _, err := New("failover", nil, DefaultSettings()); err == nil {
		t.Fatal("no buckets should be an error")
	}
	if _, err := New("failover", []Bucket{{Model: "x"}}, DefaultSettings()); err == nil {
		t.Fatal("a bucket without a provider should be an error")
	}
	for _, spelling := range []string{"roundrobin", "round_robin", "Round-Robin"} {
		lb, err := New(spelling, buckets(newFake("a")), DefaultSettings())
		if err != nil || lb.Policy() != "round-robin" {
			t.Fatalf("%q: %v %v", spelling, lb, err)
		}
	}
}

func TestSharedStateCooldowns(t *testing.T) {
	clk := newClock()
	shared := &memShared{m: map[string]sharedEntry{}}
	a, b := newFake("a", step{err: rateLimited(time.Minute)}), newFake("b")
	lb1 := mustNew(t, "failover", buckets(a, b), DefaultSettings(), WithClock(clk.Now), WithSharedState(shared))
	call(t, lb1)
	if e, ok := shared.m["a/a-model"]; !ok || !e.until.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("cooldown not published: %+v", shared.m)
	}
	// Another process's balancer sees it.
	a2, b2 := newFake("a"), newFake("b")
	lb2 := mustNew(t, "failover", buckets(a2, b2), DefaultSettings(), WithClock(clk.Now), WithSharedState(shared))
	if _, tr, _ := call(t, lb2); tr.Served != "b" || a2.Calls() != 0 {
		t.Fatalf("second process served by %q, a called %d", tr.Served, a2.Calls())
	}
}

type sharedEntry struct {
	until  time.Time
	reason string
}

type memShared struct {
	mu sync.Mutex
	m  map[string]sharedEntry
}

func (s *memShared) Cooldown(key string) (time.Time, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	return e.until, e.reason, ok
}

func (s *memShared) SetCooldown(key string, until time.Time, reason string) {
	s.mu.Lock()
	s.m[key] = sharedEntry{until, reason}
	s.mu.Unlock()
}

func TestParamsMergedPerBucket(t *testing.T) {
	temp, mt := 0.7, 100
	var got *providers.Request
	p := &recordingProvider{fakeProvider: newFake("a"), seen: func(r *providers.Request) { got = r }}
	bs := []Bucket{{Provider: p, Model: "m1", Params: providers.Params{Temperature: &temp}}}
	lb := mustNew(t, "failover", bs, DefaultSettings())
	r := req("hi")
	r.Params.MaxTokens = &mt
	if _, err := collect(lb.Stream(t.Context(), r)); err != nil {
		t.Fatal(err)
	}
	if got.Model != "m1" || got.Params.Temperature == nil || *got.Params.Temperature != 0.7 || *got.Params.MaxTokens != 100 {
		t.Fatalf("request sent = %+v", got)
	}
	if r.Model != "ignored" || r.Params.Temperature != nil {
		t.Fatal("the caller's request was modified")
	}
}

type recordingProvider struct {
	*fakeProvider
	seen func(*providers.Request)
}

func (p *recordingProvider) Stream(ctx context.Context, r *providers.Request) iter.Seq2[providers.Event, error] {
	p.seen(r)
	return p.fakeProvider.Stream(ctx, r)
}

func TestStatsUsageCostAndLatency(t *testing.T) {
	a := newFake("anthropic", step{usage: providers.Usage{InputTokens: 1_000_000, OutputTokens: 100_000}})
	lb := mustNew(t, "failover", []Bucket{{Provider: a, Model: "claude-sonnet-4-5", CredentialSource: "env ANTHROPIC_API_KEY"}}, DefaultSettings())
	var tr Trace
	if _, err := collect(lb.StreamTrace(t.Context(), req("hi"), &tr)); err != nil {
		t.Fatal(err)
	}
	st := lb.Stats()[0]
	if st.InputTokens != 1_000_000 || st.OutputTokens != 100_000 || st.CostUSD != 4.5 || tr.CostUSD != 4.5 {
		t.Fatalf("stats = %+v, trace cost %v", st, tr.CostUSD)
	}
	if st.CredentialSource != "env ANTHROPIC_API_KEY" || st.Requests != 1 || st.Successes != 1 || st.TokensPerMin != 1_100_000 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestLastErrorIsRedacted(t *testing.T) {
	a := newFake("a", step{err: &providers.Error{Kind: providers.KindAuth, Status: 401, Message: "invalid key sk-ant-api03-abcdefghijkl9f2c"}})
	lb := mustNew(t, "failover", buckets(a, newFake("b")), DefaultSettings())
	var tr Trace
	collect(lb.StreamTrace(t.Context(), req("hi"), &tr))
	st := lb.Stats()[0]
	for _, s := range []string{st.LastError, st.DisabledReason, tr.Attempts[0].Reason} {
		if strings.Contains(s, "abcdefghijkl") || !strings.Contains(s, "9f2c") {
			t.Fatalf("not redacted: %q", s)
		}
	}
}

// TestMaxWait: when every bucket is cooling down, the balancer waits for the
// soonest within max_wait_ms, or within the request's deadline when it has
// one; max_wait_ms 0 never waits, deadline or not (SETTINGS.md).
func TestMaxWait(t *testing.T) {
	tests := []struct {
		name     string
		maxWait  time.Duration
		deadline time.Duration // 0: none
		wantWait time.Duration // -1: fails without serving
	}{
		{"default waits for the 1s cooldown", 30 * time.Second, 0, time.Second},
		{"a cooldown longer than max_wait fails at once", 500 * time.Millisecond, 0, -1},
		{"a deadline rules over max_wait", 500 * time.Millisecond, 5 * time.Second, time.Second},
		{"a cooldown past the deadline fails at once", 30 * time.Second, 500 * time.Millisecond, -1},
		{"max_wait 0 never waits", 0, 0, -1},
		{"max_wait 0 never waits, even with a deadline", 0, 5 * time.Second, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := DefaultSettings()
				s.MaxWait = tt.maxWait
				a, b := newFake("a", step{err: rateLimited(time.Hour)}), newFake("b", step{err: rateLimited(time.Second)})
				lb := mustNew(t, "failover", buckets(a, b), s)
				ctx := t.Context()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				start := time.Now()
				text, err := collect(lb.Stream(ctx, req("hi")))
				waited := time.Since(start)
				if tt.wantWait < 0 {
					if err == nil || waited != 0 {
						t.Fatalf("text %q err %v after %v; want a failure at once", text, err, waited)
					}
					return
				}
				if err != nil || text != "ok" || waited != tt.wantWait {
					t.Fatalf("text %q err %v after %v; want ok after %v", text, err, waited, tt.wantWait)
				}
			})
		})
	}
}
