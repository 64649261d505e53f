package balancer_test

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/anthropic"
	"github.com/llxprt/llxprt-ls/providers/gemini"
	"github.com/llxprt/llxprt-ls/providers/openai"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// zeroSource makes every random draw 0: every policy's first request
// starts at the first bucket.
type zeroSource struct{}

func (zeroSource) Uint64() uint64 { return 0 }

// wire is three real adapters, each on its vendor's fake server.
type wire struct {
	servers [3]*providertest.Server
	buckets []balancer.Bucket
}

// newWire builds anthropic → openai → gemini buckets; deadFirst points the
// first at a closed port instead of its server.
func newWire(t testing.TB, deadFirst bool) *wire {
	t.Helper()
	w := &wire{servers: [3]*providertest.Server{providertest.NewAnthropic(), providertest.NewOpenAI(), providertest.NewGemini()}}
	for _, s := range w.servers {
		t.Cleanup(s.Close)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	t.Cleanup(client.CloseIdleConnections)
	first := w.servers[0].URL
	if deadFirst {
		first = providertest.DeadURL()
	}
	a, err := anthropic.New(providers.Config{Provider: "anthropic", BaseURL: first, APIKey: "test-key", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	o, err := openai.New(providers.Config{Provider: "openai", BaseURL: w.servers[1].URL, APIKey: "test-key", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gemini.New(providers.Config{Provider: "gemini", BaseURL: w.servers[2].URL, APIKey: "test-key", HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	w.buckets = []balancer.Bucket{
		{Name: "A", Provider: a, Model: "claude-sonnet-4-5"},
		{Name: "B", Provider: o, Model: "gpt-5.2"},
		{Name: "C", Provider: g, Model: "gemini-3-flash-preview"},
	}
	return w
}

func request() *providers.Request {
	return &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hello"}}}
}

func collect(tr *balancer.Trace, lb *balancer.Balancer, t *testing.T) (string, error) {
	var text string
	for ev, err := range lb.StreamTrace(t.Context(), request(), tr) {
		if err != nil {
			return text, err
		}
		if ev.Kind == providers.EventText {
			text += ev.Text
		}
	}
	return text, nil
}

func triedBuckets(tr *balancer.Trace) []string {
	var out []string
	for _, a := range tr.Attempts {
		if a.Outcome != "skipped" {
			out = append(out, a.Bucket+":"+a.Outcome)
		}
	}
	return out
}

// TestPoliciesThroughAdapters runs every policy against every fault on the
// first bucket, through the real adapters and their vendors' fake wires.
func TestPoliciesThroughAdapters(t *testing.T) {
	ok := providertest.DefaultText
	okText := ""
	for _, p := range ok {
		okText += p
	}
	faults := []struct {
		name     string
		dead     bool
		a        []providertest.Script
		settings func(*balancer.Settings)
		want     []string
		wantText string
		wantKind providers.ErrorKind
		aFail    map[string]int64
	}{
		{name: "429 with Retry-After", a: []providertest.Script{{Status: 429, Headers: map[string]string{"retry-after": "10"}}},
			want: []string{"A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"rate_limited": 1}},
		{name: "503", a: []providertest.Script{{Status: 503}, {Status: 503}},
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"overloaded": 2}},
		{name: "529", a: []providertest.Script{{Status: 529}, {Status: 529}},
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"overloaded": 2}},
		{name: "500", a: []providertest.Script{{Status: 500}, {Status: 500}},
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"server": 2}},
		{name: "401", a: []providertest.Script{{Status: 401}},
			want: []string{"A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"auth": 1}},
		{name: "refused connection", dead: true,
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"network": 2}},
		{name: "reset before first content", a: []providertest.Script{{Fault: providertest.FaultResetAfter}, {Fault: providertest.FaultResetAfter}},
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"network": 2}},
		{name: "reset after first content", a: []providertest.Script{{Text: []string{"Hel", "lo"}, Fault: providertest.FaultResetAfter, After: 1}},
			want: []string{"A:failed"}, wantText: "Hel", wantKind: providers.KindNetwork, aFail: map[string]int64{"network": 1}},
		{name: "cut before first content", a: []providertest.Script{{Fault: providertest.FaultCutAfter}, {Fault: providertest.FaultCutAfter}},
			want: []string{"A:failed", "A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"network": 2}},
		{name: "cut after first content", a: []providertest.Script{{Text: []string{"Hel", "lo"}, Fault: providertest.FaultCutAfter, After: 1}},
			want: []string{"A:failed"}, wantText: "Hel", wantKind: providers.KindNetwork, aFail: map[string]int64{"network": 1}},
		{name: "hang before first content", a: []providertest.Script{{Fault: providertest.FaultHangBeforeHeaders}},
			settings: func(s *balancer.Settings) { s.FirstTokenTimeout = 2 * time.Second }, // generous: it also bounds B on a busy machine
			want:     []string{"A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"timeout": 1}},
		{name: "slow bucket with hedging", a: []providertest.Script{{FirstDelay: time.Minute}},
			settings: func(s *balancer.Settings) { s.HedgeAfter = 100 * time.Millisecond },
			want:     []string{"A:cancelled", "B:served"}, wantText: okText},
		{name: "context too long", a: []providertest.Script{{Status: 400, Message: "prompt is too long: 250000 tokens > 200000 maximum"}},
			want: []string{"A:failed", "B:served"}, wantText: okText, aFail: map[string]int64{"context_too_long": 1}},
		{name: "bad request is not failed over", a: []providertest.Script{{Status: 400, Message: "messages: field required"}},
			want: []string{"A:failed"}, wantKind: providers.KindBadRequest, aFail: map[string]int64{"bad_request": 1}},
	}
	for _, pol := range balancer.Policies() {
		for _, f := range faults {
			t.Run(pol+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				w := newWire(t, f.dead)
				w.servers[0].Push(f.a...)
				s := balancer.DefaultSettings()
				if f.settings != nil {
					f.settings(&s)
				}
				lb, err := balancer.New(pol, w.buckets, s, balancer.WithRand(rand.New(zeroSource{})))
				if err != nil {
					t.Fatal(err)
				}
				var tr balancer.Trace
				text, err := collect(&tr, lb, t)
				if diff := cmp.Diff(f.want, triedBuckets(&tr)); diff != "" {
					t.Errorf("buckets tried (-want +got):\n%s\n%+v", diff, tr.Attempts)
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
					t.Errorf("A's failures (-want +got):\n%s", diff)
				}
				if f.wantKind == 0 && (st[1].Successes != 1 || lb.LastServed() != "B" || st[1].OutputTokens == 0) {
					t.Errorf("B's stats = %+v, last served %q", st[1], lb.LastServed())
				}
				if got := w.servers[2].Total(); got != 0 {
					t.Errorf("C got %d requests, want none", got)
				}
			})
		}
	}
}
