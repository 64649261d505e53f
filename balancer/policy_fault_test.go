package balancer

import (
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
)

// zeroSource makes every random draw 0, so every policy's first request
// starts at the first bucket and the fault table reads the same for all.
type zeroSource struct{}

func (zeroSource) Uint64() uint64 { return 0 }

// TestPolicyFaults runs each policy against each fault on the first bucket
// tried and checks the buckets tried, the text delivered and the stats.
func TestPolicyFaults(t *testing.T) {
	tooLong := &providers.Error{Kind: providers.KindContextTooLong, Status: 400, Message: "prompt is too long"}
	faults := []struct {
		name     string
		a        []step // the first bucket's script; b and c answer "ok"
		settings func(*Settings)
		limits   [3]int
		want     []string
		wantText string
		wantKind providers.ErrorKind // of the final error, 0 for success
		// stats of bucket a
		aFail map[string]int64
		aRetr int64
	}{
		{name: "429 with Retry-After", a: []step{{err: rateLimited(10 * time.Second)}},
			want: []string{"a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"rate_limited": 1}},
		{name: "503", a: []step{{err: status(503)}, {err: status(503)}},
			want: []string{"a:failed", "a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"overloaded": 2}, aRetr: 1},
		{name: "503 then recovers", a: []step{{err: status(503)}, {text: []string{"re", "try"}}},
			want: []string{"a:failed", "a:served"}, wantText: "retry", aFail: map[string]int64{"overloaded": 1}, aRetr: 1},
		{name: "529", a: []step{{err: status(529)}, {err: status(529)}},
			want: []string{"a:failed", "a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"overloaded": 2}, aRetr: 1},
		{name: "500", a: []step{{err: status(500)}, {err: status(500)}},
			want: []string{"a:failed", "a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"server": 2}, aRetr: 1},
		{name: "401", a: []step{{err: status(401)}},
			want: []string{"a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"auth": 1}},
		{name: "refused connection", a: []step{{err: netErr()}, {err: netErr()}},
			want: []string{"a:failed", "a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"network": 2}, aRetr: 1},
		{name: "refused, failover off for network", a: []step{{err: netErr()}},
			settings: func(s *Settings) { s.FailoverOnNetworkErrors = false },
			want:     []string{"a:failed"}, wantKind: providers.KindNetwork, aFail: map[string]int64{"network": 1}},
		{name: "reset before first content", a: []step{{text: []string{"x"}, err: netErr(), after: 0}, {text: []string{"x"}, err: netErr(), after: 0}},
			want: []string{"a:failed", "a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"network": 2}, aRetr: 1},
		{name: "reset after first content", a: []step{{text: []string{"Hel", "lo"}, err: netErr(), after: 1}},
			want: []string{"a:failed"}, wantText: "Hel", wantKind: providers.KindNetwork, aFail: map[string]int64{"network": 1}},
		{name: "hang before first content", a: []step{{hang: true}},
			settings: func(s *Settings) { s.FirstTokenTimeout = 5 * time.Second },
			want:     []string{"a:failed", "b:served"}, wantText: "ok", aFail: map[string]int64{"timeout": 1}},
		{name: "idle after first content", a: []step{{text: []string{"Hel", "lo"}, hang: true, after: 1}},
			settings: func(s *Settings) { s.IdleTimeout = 5 * time.Second },
			want:     []string{"a:failed"}, wantText: "Hel", wantKind: providers.KindTimeout, aFail: map[string]int64{"timeout": 1}},
		{name: "slow bucket with hedging", a: []step{{delay: time.Minute, text: []string{"slow"}}},
			settings: func(s *Settings) { s.HedgeAfter = time.Second },
			want:     []string{"a:cancelled", "b:served"}, wantText: "ok"},
		{name: "hedging, primary fails before hedge", a: []step{{err: status(400)}},
			settings: func(s *Settings) { s.HedgeAfter = time.Second },
			want:     []string{"a:failed"}, wantKind: providers.KindBadRequest, aFail: map[string]int64{"bad_request": 1}},
		{name: "400 bad request is not failed over", a: []step{{err: status(400)}},
			want: []string{"a:failed"}, wantKind: providers.KindBadRequest, aFail: map[string]int64{"bad_request": 1}},
		{name: "context too long moves to a larger window", a: []step{{err: tooLong}},
			limits: [3]int{200000, 100000, 400000},
			want:   []string{"a:failed", "c:served"}, wantText: "ok", aFail: map[string]int64{"context_too_long": 1}},
	}
	for _, pol := range Policies() {
		for _, f := range faults {
			t.Run(pol+"/"+f.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					a, b, c := newFake("a", f.a...), newFake("b"), newFake("c")
					bs := buckets(a, b, c)
					for i := range bs {
						bs[i].ContextLimit = f.limits[i]
					}
					s := DefaultSettings()
					if f.settings != nil {
						f.settings(&s)
					}
					lb, err := New(pol, bs, s, WithRand(rand.New(zeroSource{})))
					if err != nil {
						t.Fatal(err)
					}
					var tr Trace
					text, err := collect(lb.StreamTrace(t.Context(), req("hi"), &tr))
					if diff := cmp.Diff(f.want, tried(&tr)); diff != "" {
						t.Errorf("buckets tried (-want +got):\n%s\ntrace: %+v", diff, tr.Attempts)
					}
					if text != f.wantText {
						t.Errorf("text = %q, want %q", text, f.wantText)
					}
					var pe *providers.Error
					switch {
					case f.wantKind == 0 && err != nil:
						t.Errorf("err = %v, want success", err)
					case f.wantKind != 0 && (!errors.As(err, &pe) || pe.Kind != f.wantKind):
						t.Errorf("err = %v, want kind %v", err, f.wantKind)
					}
					st := lb.Stats()
					if diff := cmp.Diff(f.aFail, st[0].Failures); diff != "" {
						t.Errorf("a's failures (-want +got):\n%s", diff)
					}
					if st[0].Retries != f.aRetr {
						t.Errorf("a's retries = %d, want %d", st[0].Retries, f.aRetr)
					}
					if f.wantKind == 0 {
						served := tr.Served
						var n int64
						for _, bst := range st {
							n += bst.Successes
							if bst.Name == served && (bst.Successes != 1 || !bst.LastServed) {
								t.Errorf("served bucket %s stats = %+v", served, bst)
							}
						}
						if n != 1 || lb.LastServed() != served {
							t.Errorf("successes = %d, last served %q, trace served %q", n, lb.LastServed(), served)
						}
					}
				})
			})
		}
	}
}
