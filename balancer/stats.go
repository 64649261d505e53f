package balancer

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// BucketStats is one bucket's health and counters, as status output shows
// them. Counts are since the balancer was built (a profile load).
type BucketStats struct {
	Name             string `json:"name"`
	Provider         string `json:"provider"`
	Model            string `json:"model"`
	Key              string `json:"key"`
	CredentialSource string `json:"credential_source,omitempty"`
	Note             string `json:"note,omitempty"`
	QuotaGroup       string `json:"quota_group,omitempty"`
	ContextWindow    int    `json:"context_window,omitempty"`
	// State sums up whether the next request may use the bucket:
	// "available", "cooldown", "open", "half-open" or "disabled".
	State            string     `json:"state"`
	Circuit          string     `json:"circuit"` // "closed", "open", "half-open"
	CircuitOpenUntil *time.Time `json:"circuit_open_until,omitempty"`
	CooldownUntil    *time.Time `json:"cooldown_until,omitempty"`
	CooldownReason   string     `json:"cooldown_reason,omitempty"`
	DisabledReason   string     `json:"disabled_reason,omitempty"`

	Requests     int64            `json:"requests"` // attempts started
	Successes    int64            `json:"successes"`
	Failures     map[string]int64 `json:"failures,omitempty"` // by error kind
	Retries      int64            `json:"retries"`
	HedgesWon    int64            `json:"hedges_won"`
	HedgesLost   int64            `json:"hedges_lost"`
	Timeouts     int64            `json:"timeouts"`
	InputTokens  int64            `json:"input_tokens"`
	OutputTokens int64            `json:"output_tokens"`
	CostUSD      float64          `json:"cost_usd"`
	TokensPerMin int              `json:"tokens_per_minute"`

	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP95Ms float64 `json:"latency_p95_ms"`
	TTFTP50Ms    float64 `json:"ttft_p50_ms"`
	TTFTP95Ms    float64 `json:"ttft_p95_ms"`

	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	LastServed  bool       `json:"last_served,omitempty"`
}

// sampleCap is how many recent latencies feed the percentiles.
const sampleCap = 256

// ring keeps the last sampleCap samples.
type ring struct {
	buf  [sampleCap]float64
	n, i int
}

func (r *ring) add(v float64) {
	r.buf[r.i] = v
	r.i = (r.i + 1) % sampleCap
	r.n = min(r.n+1, sampleCap)
}

func (r *ring) percentiles(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if r.n == 0 {
		return out
	}
	s := slices.Clone(r.buf[:r.n])
	slices.Sort(s)
	for i, p := range ps {
		rank := int(math.Ceil(p*float64(len(s)))) - 1 // nearest rank
		out[i] = s[min(max(rank, 0), len(s)-1)]
	}
	return out
}

// counters are one member's statistics.
type counters struct {
	// mu guards every field below.
	mu                    sync.Mutex
	requests, successes   int64
	failures              [16]int64 // by providers.ErrorKind
	retries               int64
	hedgesWon, hedgesLost int64
	timeouts              int64
	inTok, outTok         int64
	cost                  float64
	latency, ttft         ring
	ttftEWMA              atomic.Uint64 // float64 bits, ms; 0 = never measured (latency policy)
	lastError             string
	lastErrorAt           time.Time
}

func (c *counters) started(retry bool) {
	c.mu.Lock()
	c.requests++
	if retry {
		c.retries++
	}
	c.mu.Unlock()
}

func (c *counters) succeeded(u providers.Usage, cost float64, ttft, total time.Duration, hedgeWon bool) {
	c.mu.Lock()
	c.successes++
	c.inTok += int64(u.InputTokens)
	c.outTok += int64(u.OutputTokens)
	c.cost += cost
	c.latency.add(ms(total))
	if ttft > 0 {
		c.observeTTFT(ttft)
	}
	if hedgeWon {
		c.hedgesWon++
	}
	c.mu.Unlock()
}

// observeTTFT records a success's time to first token, for the
// percentiles and the latency policy's moving average; c.mu is held.
func (c *counters) observeTTFT(ttft time.Duration) {
	v := ms(ttft)
	c.ttft.add(v)
	c.blend(v)
}

// blend moves the latency policy's average toward v (ms).
func (c *counters) blend(v float64) {
	if old := math.Float64frombits(c.ttftEWMA.Load()); old != 0 {
		v = 0.7*old + 0.3*v
	}
	c.ttftEWMA.Store(math.Float64bits(v))
}

// failPenalty is what a failure before the first token counts as in the
// latency policy's average, at least: a bucket that fails fast must not look
// fast.
const failPenalty = 10 * time.Second

func (c *counters) failed(e *providers.Error, now time.Time, elapsed time.Duration, committed bool) {
	c.mu.Lock()
	if int(e.Kind) < len(c.failures) {
		c.failures[e.Kind]++
	}
	if e.Kind == providers.KindTimeout {
		c.timeouts++
	}
	if !committed && e.Kind.Transient() {
		c.blend(ms(max(elapsed, failPenalty)))
	}
	c.lastError = redact(e.Error())
	c.lastErrorAt = now
	c.mu.Unlock()
}

func (c *counters) lostHedge() {
	c.mu.Lock()
	c.hedgesLost++
	c.mu.Unlock()
}

// addUsage counts tokens of a stream that failed after content, which the
// vendor bills anyway.
func (c *counters) addUsage(u providers.Usage, cost float64) {
	c.mu.Lock()
	c.inTok += int64(u.InputTokens)
	c.outTok += int64(u.OutputTokens)
	c.cost += cost
	c.mu.Unlock()
}

// latencyEstimate is read without the lock: the latency policy reads it
// for every bucket on every request. Writers hold c.mu.
func (c *counters) latencyEstimate() float64 { return math.Float64frombits(c.ttftEWMA.Load()) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// secretPattern matches things that look like credentials, in case a vendor
// echoed one in an error message: provider key prefixes and bearer tokens.
var secretPattern = regexp.MustCompile(`(?i)(sk-[a-z0-9_\-]{6,}|sk-ant-[a-z0-9_\-]{6,}|AIza[0-9a-z_\-]{20,}|bearer\s+[a-z0-9._\-]{8,}|(?:api[_-]?key|key|token)=[^&\s"]{6,})`)

// redact masks anything that looks like a credential, keeping its last four
// characters so a user can tell keys apart.
func redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	return secretPattern.ReplaceAllStringFunc(s, func(m string) string {
		tail := m
		if len(tail) > 4 {
			tail = tail[len(tail)-4:]
		}
		return "[redacted …" + tail + "]"
	})
}

// Stats returns every bucket's statistics, in bucket order.
func (b *Balancer) Stats() []BucketStats {
	now := b.now()
	last := int(b.lastServed.Load())
	out := make([]BucketStats, len(b.members))
	for i, m := range b.members {
		st := BucketStats{
			Name: m.b.Name, Provider: m.provider, Model: m.b.Model, Key: m.b.Key,
			CredentialSource: m.b.CredentialSource, Note: m.b.Note, QuotaGroup: m.b.QuotaGroup,
			ContextWindow: m.window, LastServed: last == i+1,
			TokensPerMin: m.tpm.perMinute(now),
		}
		state, openUntil := m.h.circuit(&b.s, now)
		st.Circuit = state.String()
		st.State = "available"
		if state == circuitOpen {
			st.State = "open"
			st.CircuitOpenUntil = &openUntil
		} else if state == circuitHalfOpen {
			st.State = "half-open"
		}
		if until, why, ok := b.cooldown(m, now); ok {
			st.CooldownUntil, st.CooldownReason = &until, why
			if st.State == "available" {
				st.State = "cooldown"
			}
		}
		if d := m.disabled.Load(); d != nil {
			st.State, st.DisabledReason = "disabled", *d
		}
		c := &m.c
		c.mu.Lock()
		st.Requests, st.Successes, st.Retries = c.requests, c.successes, c.retries
		st.HedgesWon, st.HedgesLost, st.Timeouts = c.hedgesWon, c.hedgesLost, c.timeouts
		st.InputTokens, st.OutputTokens, st.CostUSD = c.inTok, c.outTok, c.cost
		for k, n := range c.failures {
			if n > 0 {
				if st.Failures == nil {
					st.Failures = map[string]int64{}
				}
				st.Failures[providers.ErrorKind(k).String()] = n
			}
		}
		lp := c.latency.percentiles(0.5, 0.95)
		tp := c.ttft.percentiles(0.5, 0.95)
		st.LatencyP50Ms, st.LatencyP95Ms, st.TTFTP50Ms, st.TTFTP95Ms = lp[0], lp[1], tp[0], tp[1]
		st.LastError = c.lastError
		if !c.lastErrorAt.IsZero() {
			t := c.lastErrorAt
			st.LastErrorAt = &t
		}
		c.mu.Unlock()
		out[i] = st
	}
	return out
}

// mayHoldSecret is a cheap pre-check so the common error message skips the
// regular expression.
func mayHoldSecret(s string) bool {
	l := strings.ToLower(s)
	for _, hint := range []string{"sk-", "aiza", "bearer", "key", "token"} {
		if strings.Contains(l, hint) {
			return true
		}
	}
	return false
}
