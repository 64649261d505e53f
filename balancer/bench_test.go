package balancer

import (
	"context"
	"iter"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
)

// instant answers at once with one text event and a done event; its Stream
// allocates nothing itself, so what the benchmarks measure is ours.
type instant struct{}

func (instant) Name() string { return "instant" }

var (
	instantText = providers.Event{Kind: providers.EventText, Text: "hi"}
	instantDone = providers.Event{Kind: providers.EventDone}
)

func instantSeq(yield func(providers.Event, error) bool) {
	if yield(instantText, nil) {
		yield(instantDone, nil)
	}
}

func (instant) Stream(context.Context, *providers.Request) iter.Seq2[providers.Event, error] {
	return instantSeq
}

func drain(b *testing.B, seq iter.Seq2[providers.Event, error]) {
	for _, err := range seq {
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirect is the baseline: the provider called without a balancer.
func BenchmarkDirect(b *testing.B) {
	r := req("hello")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		drain(b, instant{}.Stream(ctx, r))
	}
}

// BenchmarkBalancerOverhead is the balancer's own cost per request over
// three healthy buckets with default settings (target < 2 µs, < 10 allocs).
func BenchmarkBalancerOverhead(b *testing.B) {
	for _, pol := range []string{"failover", "round-robin", "random", "weighted", "latency"} {
		b.Run(pol, func(b *testing.B) {
			bs := []Bucket{
				{Provider: instant{}, Model: "claude-sonnet-4-5"},
				{Provider: instant{}, Model: "gpt-5.2"},
				{Provider: instant{}, Model: "gemini-3-flash-preview"},
			}
			lb, err := New(pol, bs, DefaultSettings())
			if err != nil {
				b.Fatal(err)
			}
			r := req("hello")
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				drain(b, lb.Stream(ctx, r))
			}
		})
	}
}

// BenchmarkBalancerOverheadTimeouts adds a first-token and an idle timeout
// (a watchdog timer per attempt) and a trace.
func BenchmarkBalancerOverheadTimeouts(b *testing.B) {
	s := DefaultSettings()
	s.FirstTokenTimeout, s.IdleTimeout = 30e9, 30e9
	lb, err := New("failover", []Bucket{{Provider: instant{}, Model: "m"}, {Provider: instant{}, Model: "n"}}, s)
	if err != nil {
		b.Fatal(err)
	}
	r := req("hello")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var tr Trace
		drain(b, lb.StreamTrace(ctx, r, &tr))
	}
}

// BenchmarkFailoverInProcess is a 503 on the first bucket then success on
// the second, all in process: the cost of one failover.
func BenchmarkFailoverInProcess(b *testing.B) {
	s := DefaultSettings()
	s.RetryCount = 1
	s.CircuitBreakerEnabled = false
	bad := newFake("bad")
	bad.def = step{err: status(503)}
	lb, err := New("failover", []Bucket{{Provider: bad, Model: "m"}, {Provider: instant{}, Model: "n"}}, s)
	if err != nil {
		b.Fatal(err)
	}
	r := req("hello")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		drain(b, lb.Stream(ctx, r))
	}
}
