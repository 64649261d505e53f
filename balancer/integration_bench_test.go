package balancer_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// BenchmarkFailover503Loopback measures, through the real adapters on
// loopback, the time from the first bucket's 503 reaching the balancer to the
// second bucket's request reaching its server (target < 1 ms), reported as
// failover-ns/op; ns/op is the whole request.
func BenchmarkFailover503Loopback(b *testing.B) {
	w := newWire(b, false)
	w.servers[0].SetDefault(providertest.Script{Status: 503})
	var failedAt, arrivedAt atomic.Int64
	w.servers[1].SetResponder(func(providertest.Recorded) providertest.Script {
		arrivedAt.Store(time.Now().UnixNano())
		return providertest.Script{}
	})
	for _, s := range w.servers {
		s.SetRecording(false)
	}
	s := balancer.DefaultSettings()
	s.RetryCount = 1
	s.CircuitBreakerEnabled = false
	lb, err := balancer.New("failover", w.buckets, s, balancer.WithObserver(func(e balancer.Event) {
		if e.Kind == balancer.AttemptFailed {
			failedAt.Store(e.Time.UnixNano())
		}
	}))
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range lb.Stream(context.Background(), request()) {
			if err != nil {
				b.Fatal(err)
			}
		}
		total += time.Duration(arrivedAt.Load() - failedAt.Load())
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "failover-ns/op")
}
