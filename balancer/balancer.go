package balancer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/models"
)

// Bucket is one provider+model+params target.
type Bucket struct {
	// Name is the bucket's display id, unique within the balancer, e.g.
	// "anthropic/claude-sonnet-4-5"; New makes duplicates unique with "#2"
	// and fills an empty one from Provider.Name() and Model.
	Name string
	// Key identifies the upstream for shared health (cooldowns, circuit):
	// buckets with equal keys share them, also across processes through
	// SharedState. Conventionally provider|model|base-url; default
	// Provider.Name()+"/"+Model.
	Key      string
	Provider providers.Provider
	Model    string
	// Params are merged over the request's params for this bucket.
	Params providers.Params
	// Weight biases the random and weighted policies; 0 means 1.
	Weight float64
	// ContextLimit is the bucket's window in tokens; 0 means the model's
	// window from models.Lookup, else Settings.ContextLimit.
	ContextLimit int
	// QuotaGroup names buckets that share one upstream account or key: a
	// rate limit on one cools them all down.
	QuotaGroup string
	Note       string
	// CredentialSource says where the key came from, for status output:
	// "env ANTHROPIC_API_KEY", "keyfile ~/.keys/a.key", "key", "keyring",
	// "oauth", "none". Never the key itself.
	CredentialSource string
}

// SharedState lets several processes (editor windows) share cooldowns; the
// profile package implements it on a locked file. Open circuits are
// published as a cooldown until their half-open time. Cooldown is called
// once per bucket considered per request, so implementations should answer
// from memory.
type SharedState interface {
	Cooldown(key string) (until time.Time, reason string, ok bool)
	SetCooldown(key string, until time.Time, reason string)
}

// Option configures New.
type Option func(*Balancer)

// WithClock replaces time.Now for cooldowns, breakers, stats and traces.
// Timers (timeouts, hedging, waits) still run on real time; tests drive
// those with testing/synctest.
func WithClock(now func() time.Time) Option { return func(b *Balancer) { b.now = now } }

// WithRand makes the random choices (random and latency policies, jitter)
// come from r, for deterministic tests. r is used under a lock.
func WithRand(r *rand.Rand) Option {
	return func(b *Balancer) {
		var mu sync.Mutex
		b.rnd = func() float64 {
			mu.Lock()
			defer mu.Unlock()
			return r.Float64()
		}
	}
}

// WithObserver receives every routing event. It is called synchronously on
// the request's goroutine, so it must be cheap; the server fans out.
func WithObserver(f func(Event)) Option { return func(b *Balancer) { b.observe = f } }

// WithSharedState shares cooldowns and open circuits with other processes.
func WithSharedState(s SharedState) Option { return func(b *Balancer) { b.shared = s } }

// Balancer spreads requests over buckets and fails over between them. It is
// itself a providers.Provider and safe for concurrent use.
type Balancer struct {
	policyName string
	policy     policy
	members    []*member
	s          Settings
	now        func() time.Time
	rnd        func() float64
	observe    func(Event)
	shared     SharedState
	smallest   int // smallest known window, 0 if none known
	groups     map[string][]*member
	lastServed atomic.Int32 // member index + 1; 0 = none yet
}

// member is a bucket with its live state.
type member struct {
	idx      int
	b        Bucket
	provider string
	h        *health
	info     models.Info
	window   int
	weight   float64
	disabled atomic.Pointer[string] // auth or billing failure: out until reload
	c        counters
	tpm      tpmWindow
}

// New builds a balancer. policy is one of Policies (spellings such as
// "roundrobin" are accepted); every bucket needs a Provider.
func New(policy string, buckets []Bucket, s Settings, opts ...Option) (*Balancer, error) {
	pol, name, err := newPolicy(policy)
	if err != nil {
		return nil, err
	}
	if len(buckets) == 0 {
		return nil, errors.New("balancer: no buckets: add at least one {provider, model} to the lb's buckets")
	}
	b := &Balancer{policyName: name, policy: pol, s: s.normalized(), now: time.Now, rnd: rand.Float64, groups: map[string][]*member{}}
	for _, o := range opts {
		o(b)
	}
	healths := map[string]*health{}
	names, next := map[string]bool{}, map[string]int{}
	for i, bk := range buckets {
		if bk.Provider == nil {
			return nil, fmt.Errorf("balancer: bucket %d (%s): no provider", i+1, bk.Name)
		}
		m := &member{idx: i, b: bk, provider: bk.Provider.Name(), weight: bk.Weight}
		if m.weight <= 0 {
			m.weight = 1
		}
		if m.b.Name == "" {
			m.b.Name = m.provider + "/" + bk.Model
		}
		m.b.Name = uniqueName(names, next, m.b.Name)
		if m.b.Key == "" {
			m.b.Key = m.provider + "/" + bk.Model
		}
		if healths[m.b.Key] == nil {
			healths[m.b.Key] = &health{key: m.b.Key}
		}
		m.h = healths[m.b.Key]
		info, ok := models.Lookup(m.provider, bk.Model)
		if ok {
			m.info = info
		}
		switch {
		case bk.ContextLimit > 0:
			m.window = bk.ContextLimit
		case ok && info.ContextWindow > 0:
			m.window = info.ContextWindow
		default:
			m.window = b.s.ContextLimit
		}
		if m.window > 0 && (b.smallest == 0 || m.window < b.smallest) {
			b.smallest = m.window
		}
		if bk.QuotaGroup != "" {
			b.groups[bk.QuotaGroup] = append(b.groups[bk.QuotaGroup], m)
		}
		b.members = append(b.members, m)
	}
	return b, nil
}

// uniqueName returns name, or name#2, name#3 … when taken, and marks it
// taken. next remembers per base name the suffix to try first, so n buckets
// sharing a name cost O(n), not O(n²) (10,000 took 25 s to build).
func uniqueName(taken map[string]bool, next map[string]int, name string) string {
	base := name
	n := max(next[base], 2)
	for ; taken[name]; n++ {
		name = base + "#" + strconv.Itoa(n)
	}
	if name != base {
		next[base] = n
	}
	taken[name] = true
	return name
}

// Name is the provider id of a balancer.
func (b *Balancer) Name() string { return "lb" }

// Policy is the canonical name of the balancer's policy.
func (b *Balancer) Policy() string { return b.policyName }

// Settings returns the settings in force.
func (b *Balancer) Settings() Settings { return b.s }

// Buckets returns the buckets with their final names and keys.
func (b *Balancer) Buckets() []Bucket {
	out := make([]Bucket, len(b.members))
	for i, m := range b.members {
		out[i] = m.b
	}
	return out
}

// SmallestContextWindow is the smallest known bucket window in tokens (0
// when none is known), for the profile layer's "context-limit too high"
// warning.
func (b *Balancer) SmallestContextWindow() int { return b.smallest }

// LastServed is the name of the bucket that served the latest successful
// request, "" before the first.
func (b *Balancer) LastServed() string {
	if i := b.lastServed.Load(); i > 0 {
		return b.members[i-1].b.Name
	}
	return ""
}

// Stream sends req through the balancer; see StreamTrace.
func (b *Balancer) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return b.StreamTrace(ctx, req, nil)
}

// StreamTrace is Stream that also fills tr (may be nil) with the routing
// trace; tr is complete, and safe to read, once the iterator returns.
//
// Failover is invisible until the first content event reaches the caller;
// after that a failure ends the stream with the classified error. When every
// bucket failed or is unavailable the error is an *ExhaustedError; a bad
// request comes back as the bucket's *providers.Error without failover.
func (b *Balancer) StreamTrace(ctx context.Context, req *providers.Request, tr *Trace) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		if req == nil {
			yield(providers.Event{}, &providers.Error{Provider: "lb", Kind: providers.KindBadRequest, Message: "no request"})
			return
		}
		r := &run{b: b, req: req, tr: tr, yield: yield}
		r.do(ctx)
	}
}

// cooldown reads a member's cooldown, local or published by another process.
func (b *Balancer) cooldown(m *member, now time.Time) (time.Time, string, bool) {
	until, why, ok := m.h.cooldown(now)
	if b.shared != nil {
		if su, sw, sok := b.shared.Cooldown(m.b.Key); sok && su.After(now) && su.After(until) {
			m.h.setCooldown(su, sw)
			return su, sw, true
		}
	}
	return until, why, ok
}

// setCooldown cools m (and its quota group) down until until.
func (b *Balancer) setCooldown(m *member, until time.Time, reason string) {
	targets := []*member{m}
	if g := m.b.QuotaGroup; g != "" {
		targets = b.groups[g]
	}
	for _, t := range targets {
		if t.h.setCooldown(until, reason) && b.shared != nil {
			b.shared.SetCooldown(t.b.Key, until, reason)
		}
	}
}

func (b *Balancer) emit(e Event) {
	if b.observe != nil {
		b.observe(e)
	}
}

// Policies lists the accepted policy names.
func Policies() []string {
	return []string{"failover", "round-robin", "random", "weighted", "latency"}
}

func newPolicy(name string) (policy, string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "failover", "fallback", "priority", "":
		return failoverPolicy{}, "failover", nil
	case "round-robin", "roundrobin", "round_robin", "rr":
		return &roundRobinPolicy{}, "round-robin", nil
	case "random":
		return randomPolicy{}, "random", nil
	case "weighted", "weighted-round-robin", "weighted_round_robin":
		return &weightedPolicy{}, "weighted", nil
	case "latency", "least-latency", "lowest-latency", "fastest":
		return latencyPolicy{}, "latency", nil
	}
	return nil, "", fmt.Errorf("balancer: unknown lb type %q: use one of %s", name, strings.Join(Policies(), ", "))
}
