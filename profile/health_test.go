package profile

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Two HealthStates on one config dir stand for two editor windows.
func TestHealthStateShared(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	a, b := newHealthState(dir, clock.now), newHealthState(dir, clock.now)
	if _, _, ok := b.Cooldown("anthropic|claude"); ok {
		t.Fatal("cooldown before any was set")
	}
	until := clock.now().Add(30 * time.Second)
	a.SetCooldown("anthropic|claude", until, "rate_limited (HTTP 429)")
	// Another window looks at the file at most every statEvery.
	if _, _, ok := b.Cooldown("anthropic|claude"); ok {
		t.Fatal("the file was stat'ed again within statEvery: the hot path pays a syscall per bucket")
	}
	clock.advance(statEvery)
	got, reason, ok := b.Cooldown("anthropic|claude")
	if !ok || !got.Equal(until) || reason != "rate_limited (HTTP 429)" {
		t.Fatalf("other window sees %v %q %v", got, reason, ok)
	}
	// A new window (a fresh HealthState) starts knowing it.
	if _, _, ok := newHealthState(dir, clock.now).Cooldown("anthropic|claude"); !ok {
		t.Error("a new window does not see the cooldown")
	}
	// Clearing after a success reaches the others.
	b.SetCooldown("anthropic|claude", time.Time{}, "")
	clock.advance(statEvery)
	if _, _, ok := a.Cooldown("anthropic|claude"); ok {
		t.Error("cleared cooldown still seen")
	}
	// Entries expire on their own and are pruned on the next write.
	a.SetCooldown("openai|gpt", clock.now().Add(time.Minute), "overloaded")
	clock.advance(2 * time.Minute)
	if _, _, ok := b.Cooldown("openai|gpt"); ok {
		t.Error("expired cooldown still reported")
	}
	a.SetCooldown("gemini|flash", clock.now().Add(time.Minute), "server")
	data, err := os.ReadFile(filepath.Join(dir, "state", "health.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "openai|gpt") || !strings.Contains(string(data), "gemini|flash") {
		t.Errorf("stale entry not pruned:\n%s", data)
	}
	if st, _ := os.Stat(filepath.Join(dir, "state", "health.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	// A bogus far-future cooldown is capped.
	a.SetCooldown("x", clock.now().Add(1000*time.Hour), "billing")
	if u, _, _ := b.Cooldown("x"); u.After(clock.now().Add(maxCooldown)) {
		t.Errorf("cooldown not capped: %v", u)
	}
	if a.Err() != nil {
		t.Error(a.Err())
	}
}

func TestHealthStateCorruptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state", "health.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHealthState(dir, time.Now)
	if _, _, ok := h.Cooldown("k"); ok {
		t.Error("corrupt file gave a cooldown")
	}
	h.SetCooldown("k", time.Now().Add(time.Minute), "r")
	if _, _, ok := h.Cooldown("k"); !ok {
		t.Error("write after a corrupt file lost")
	}
}

func TestHealthStateConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	until := time.Now().Add(time.Hour)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := newHealthState(dir, time.Now)
			h.SetCooldown(string(rune('a'+i)), until, "r")
		}()
	}
	wg.Wait()
	h := newHealthState(dir, time.Now)
	for i := range 8 {
		if _, _, ok := h.Cooldown(string(rune('a' + i))); !ok {
			t.Errorf("writer %d lost", i)
		}
	}
}

// Cooldown runs once per bucket per request: it must answer from memory.
func BenchmarkHealthStateCooldown(b *testing.B) {
	h := newHealthState(b.TempDir(), time.Now)
	h.SetCooldown("anthropic|claude", time.Now().Add(time.Hour), "rate_limited")
	for b.Loop() {
		h.Cooldown("anthropic|claude")
	}
}

// TestCooldownReasonStaysValidUTF8: a long vendor message cut to maxReason
// must not end in half a rune, or health.json and the status view carry
// broken text.
func TestCooldownReasonStaysValidUTF8(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	h := newHealthState(dir, clock.now)
	reason := strings.Repeat("a", maxReason-1) + "é and more"
	h.SetCooldown("qwen|qwen3", clock.now().Add(time.Minute), reason)
	_, got, ok := newHealthState(dir, clock.now).Cooldown("qwen|qwen3")
	if !ok || !utf8.ValidString(got) || got != strings.Repeat("a", maxReason-1) {
		t.Errorf("reason = %q (valid %v), %v", got, utf8.ValidString(got), ok)
	}
}
