package balancer

import (
	"sync"
	"time"
)

// circuitState is a breaker's state.
type circuitState uint8

const (
	circuitClosed circuitState = iota
	circuitOpen
	circuitHalfOpen
)

func (s circuitState) String() string {
	switch s {
	case circuitOpen:
		return "open"
	case circuitHalfOpen:
		return "half-open"
	}
	return "closed"
}

// health is the state buckets with the same Key share: cooldown and circuit.
// It is our own small breaker rather than gobreaker's (see doc.go): every
// decision takes the balancer's clock, and the open-until time is visible so
// it can be published through SharedState.
type health struct {
	key string

	// mu guards every field below.
	mu             sync.Mutex
	cooldownUntil  time.Time
	cooldownReason string
	state          circuitState
	failures       []time.Time // recent failure times in the window, oldest first
	openUntil      time.Time
	probing        bool
}

// cooldown reports an active cooldown.
func (h *health) cooldown(now time.Time) (time.Time, string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Before(h.cooldownUntil) {
		return h.cooldownUntil, h.cooldownReason, true
	}
	return time.Time{}, "", false
}

// setCooldown extends the cooldown to until; a shorter one never replaces a
// longer one already set. It reports whether anything changed.
func (h *health) setCooldown(until time.Time, reason string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !until.After(h.cooldownUntil) {
		return false
	}
	h.cooldownUntil, h.cooldownReason = until, reason
	return true
}

// allow asks the breaker for one attempt. In half-open state exactly one
// probe passes; probe says the caller holds it and must report back.
func (h *health) allow(s *Settings, now time.Time) (ok, probe bool, until time.Time) {
	if !s.CircuitBreakerEnabled {
		return true, false, time.Time{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == circuitOpen {
		if now.Before(h.openUntil) {
			return false, false, h.openUntil
		}
		h.state = circuitHalfOpen
	}
	if h.state == circuitHalfOpen {
		if h.probing {
			return false, false, time.Time{}
		}
		h.probing = true
		return true, true, time.Time{}
	}
	return true, false, time.Time{}
}

// circuit reports the breaker's state without claiming a probe.
func (h *health) circuit(s *Settings, now time.Time) (circuitState, time.Time) {
	if !s.CircuitBreakerEnabled {
		return circuitClosed, time.Time{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == circuitOpen && !now.Before(h.openUntil) {
		return circuitHalfOpen, time.Time{}
	}
	return h.state, h.openUntil
}

// success closes a half-open circuit when the probe succeeded. Only the
// probe decides: an attempt let through before the circuit opened says how
// the bucket was then, not now (gobreaker's generations, in one flag).
func (h *health) success(probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if probe {
		h.state, h.probing, h.failures = circuitClosed, false, h.failures[:0]
	}
}

// release gives back a probe whose attempt ended without a verdict (the
// caller cancelled, the request was bad).
func (h *health) release(probe bool) {
	if !probe {
		return
	}
	h.mu.Lock()
	h.probing = false
	h.mu.Unlock()
}

// failure records a failure; it returns the open-until time when this
// failure opened the circuit.
func (h *health) failure(s *Settings, now time.Time, probe bool) (time.Time, bool) {
	if !s.CircuitBreakerEnabled {
		return time.Time{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if probe {
		h.state, h.probing = circuitOpen, false
		h.openUntil = now.Add(s.CircuitBreakerRecoveryTimeout)
		h.failures = h.failures[:0]
		return h.openUntil, true
	}
	if h.state != circuitClosed {
		// A late failure of an attempt from before the circuit opened: the
		// circuit is open already, and a probe in flight decides the rest.
		return time.Time{}, false
	}
	cut := now.Add(-s.CircuitBreakerFailureWindow)
	i := 0
	for i < len(h.failures) && !h.failures[i].After(cut) {
		i++
	}
	h.failures = append(h.failures[:0], h.failures[i:]...)
	h.failures = append(h.failures, now)
	if len(h.failures) >= s.CircuitBreakerFailureThreshold {
		h.state = circuitOpen
		h.openUntil = now.Add(s.CircuitBreakerRecoveryTimeout)
		h.failures = h.failures[:0]
		return h.openUntil, true
	}
	return time.Time{}, false
}

// tpmWindow counts tokens per second over the last minute.
type tpmWindow struct {
	mu     sync.Mutex
	slots  [60]int64
	stamps [60]int64 // the unix second each slot holds
}

func (w *tpmWindow) add(now time.Time, tokens int) {
	sec := now.Unix()
	i := sec % 60
	w.mu.Lock()
	if w.stamps[i] != sec {
		w.stamps[i], w.slots[i] = sec, 0
	}
	w.slots[i] += int64(tokens)
	w.mu.Unlock()
}

func (w *tpmWindow) perMinute(now time.Time) int {
	sec := now.Unix()
	var n int64
	w.mu.Lock()
	for i := range w.slots {
		if sec-w.stamps[i] < 60 {
			n += w.slots[i]
		}
	}
	w.mu.Unlock()
	return int(n)
}
