package balancer

import (
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func servedCounts(t *testing.T, lb *Balancer, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		_, tr, err := call(t, lb)
		if err != nil {
			t.Fatal(err)
		}
		got[tr.Served]++
	}
	return got
}

func TestRoundRobinRotates(t *testing.T) {
	a, b, c := newFake("a"), newFake("b"), newFake("c")
	lb := mustNew(t, "round-robin", buckets(a, b, c), DefaultSettings())
	var order []string
	for range 6 {
		_, tr, _ := call(t, lb)
		order = append(order, tr.Served)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "a", "b", "c"}, order); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
	// A failure falls through in rotation order: the request starting at b
	// that fails there goes on to c, not back to a.
	if _, tr, _ := call(t, lb); tr.Served != "a" { // the 7th request starts at a
		t.Fatalf("served %q", tr.Served)
	}
	b.push(step{err: status(401)})
	_, tr, _ := call(t, lb) // the 8th starts at b
	if diff := cmp.Diff([]string{"b:failed", "c:served"}, tried(tr)); diff != "" {
		t.Fatalf("fall-through (-want +got):\n%s", diff)
	}
}

func TestRandomIsWeighted(t *testing.T) {
	a, b := newFake("a"), newFake("b")
	bs := buckets(a, b)
	bs[0].Weight, bs[1].Weight = 3, 1
	lb := mustNew(t, "random", bs, DefaultSettings(), WithRand(rand.New(rand.NewPCG(1, 2))))
	got := servedCounts(t, lb, 400)
	if got["a"] < 250 || got["a"] > 350 {
		t.Fatalf("weight 3:1 served %v", got)
	}
}

func TestWeightedIsSmoothAndExact(t *testing.T) {
	a, b, c := newFake("a"), newFake("b"), newFake("c")
	bs := buckets(a, b, c)
	bs[0].Weight, bs[1].Weight, bs[2].Weight = 5, 1, 1
	lb := mustNew(t, "weighted", bs, DefaultSettings())
	var order []string
	for range 7 {
		_, tr, _ := call(t, lb)
		order = append(order, tr.Served)
	}
	// nginx's smooth weighted round-robin for 5:1:1.
	if diff := cmp.Diff([]string{"a", "a", "b", "a", "c", "a", "a"}, order); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
}

func TestLatencyPrefersFastAndExplores(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow, fast := newFake("slow"), newFake("fast")
		slow.def = step{delay: 2 * time.Second}
		fast.def = step{delay: 100 * time.Millisecond}
		s := DefaultSettings()
		s.LatencyExploration = 0
		lb := mustNew(t, "latency", buckets(slow, fast), s)
		// Unmeasured buckets go first, in profile order: both get measured.
		first := servedCounts(t, lb, 2)
		if first["slow"] != 1 || first["fast"] != 1 {
			t.Fatalf("first two requests: %v", first)
		}
		if got := servedCounts(t, lb, 10); got["fast"] != 10 {
			t.Fatalf("after measuring: %v", got)
		}
		st := lb.Stats()
		if st[0].TTFTP50Ms != 2000 || st[1].TTFTP50Ms != 100 || st[1].TTFTP95Ms != 100 || st[1].LatencyP50Ms != 100 {
			t.Fatalf("percentiles: slow %+v fast %+v", st[0], st[1])
		}
		// With exploration the slow one still gets some traffic.
		s.LatencyExploration = 0.5
		lb2 := mustNew(t, "latency", buckets(slow, fast), s, WithRand(rand.New(rand.NewPCG(3, 4))))
		if got := servedCounts(t, lb2, 40); got["slow"] < 3 {
			t.Fatalf("exploration never tried the slow bucket: %v", got)
		}
	})
}

func TestLatencyPenalisesFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken, slow := newFake("broken"), newFake("slow")
		broken.def = step{err: status(503)}
		slow.def = step{delay: 2 * time.Second}
		s := DefaultSettings()
		s.LatencyExploration, s.CircuitBreakerEnabled, s.RetryCount = 0, false, 1
		lb := mustNew(t, "latency", buckets(broken, slow), s)
		servedCounts(t, lb, 5)
		// The broken bucket failed in no time, but failures count as slow:
		// after the first request it is no longer tried first.
		if broken.Calls() != 1 {
			t.Fatalf("broken bucket tried %d times", broken.Calls())
		}
	})
}
