package balancer

import (
	"slices"
	"sync"
	"sync/atomic"
)

// policy orders the buckets for one request, like Caddy's selection
// policies: small, and either stateless or self-locking. The whole order is
// returned because a failed attempt falls through to the next bucket in it.
// Health is not the policy's business: the run skips unavailable buckets.
type policy interface {
	// order appends the try order to dst (which has room for every member).
	order(b *Balancer, dst []*member) []*member
}

// failoverPolicy tries buckets in profile order.
type failoverPolicy struct{}

func (failoverPolicy) order(b *Balancer, dst []*member) []*member {
	return append(dst, b.members...)
}

// roundRobinPolicy starts each request at the next bucket and falls through
// the rest in rotation order.
type roundRobinPolicy struct{ next atomic.Uint64 }

func (p *roundRobinPolicy) order(b *Balancer, dst []*member) []*member {
	n := uint64(len(b.members))
	return rotate(dst, b.members, int((p.next.Add(1)-1)%n))
}

// randomPolicy starts at a random bucket, chosen in proportion to the
// weights, and falls through the rest in rotation order.
type randomPolicy struct{}

func (randomPolicy) order(b *Balancer, dst []*member) []*member {
	return rotate(dst, b.members, weightedPick(b.members, b.rnd()))
}

// weightedPolicy is smooth weighted round-robin (nginx's): deterministic,
// and over any window of sum(weights) requests each bucket starts
// weight-many of them, interleaved rather than in runs.
type weightedPolicy struct {
	// mu guards current.
	mu      sync.Mutex
	current []float64
}

func (p *weightedPolicy) order(b *Balancer, dst []*member) []*member {
	p.mu.Lock()
	if p.current == nil {
		p.current = make([]float64, len(b.members))
	}
	best, total := 0, 0.0
	for i, m := range b.members {
		p.current[i] += m.weight
		total += m.weight
		if p.current[i] > p.current[best] {
			best = i
		}
	}
	p.current[best] -= total
	p.mu.Unlock()
	return rotate(dst, b.members, best)
}

// latencyPolicy orders buckets by their recent time to first token. A bucket
// never measured goes first (so it gets measured); with probability
// Settings.LatencyExploration the request starts at a random bucket so a
// bucket that was slow and recovered is measured again.
type latencyPolicy struct{}

func (latencyPolicy) order(b *Balancer, dst []*member) []*member {
	dst = append(dst, b.members...)
	if x := b.s.LatencyExploration; x > 0 && b.rnd() < x {
		return rotate(dst[:0], b.members, int(b.rnd()*float64(len(b.members)))%len(b.members))
	}
	est := make([]float64, len(b.members))
	for _, m := range b.members {
		est[m.idx] = m.c.latencyEstimate()
	}
	slices.SortStableFunc(dst, func(x, y *member) int {
		ex, ey := est[x.idx], est[y.idx]
		switch {
		case ex == ey:
			return 0
		case ex == 0: // unmeasured first
			return -1
		case ey == 0:
			return 1
		case ex < ey:
			return -1
		}
		return 1
	})
	return dst
}

// rotate appends members starting at start, wrapping around.
func rotate(dst, members []*member, start int) []*member {
	dst = append(dst, members[start:]...)
	return append(dst, members[:start]...)
}

// weightedPick maps u in [0,1) to a member index in proportion to weights.
func weightedPick(members []*member, u float64) int {
	total := 0.0
	for _, m := range members {
		total += m.weight
	}
	x := u * total
	for i, m := range members {
		if x < m.weight {
			return i
		}
		x -= m.weight
	}
	return len(members) - 1
}

var (
	_ policy = failoverPolicy{}
	_ policy = (*roundRobinPolicy)(nil)
	_ policy = randomPolicy{}
	_ policy = (*weightedPolicy)(nil)
	_ policy = latencyPolicy{}
)
