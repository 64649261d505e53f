package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/internal/atomicfile"
)

// Health-state bounds: an entry never claims more than maxCooldown ahead (a
// skewed clock or a bogus Retry-After must not bench a provider for good),
// and the file never holds more than maxEntries.
const (
	maxCooldown = 24 * time.Hour
	maxEntries  = 512
	maxReason   = 200
	// statEvery bounds how often Cooldown looks at the file: the balancer
	// asks once per bucket per request, and another window's cooldown may
	// be seen this much later, which is far below any cooldown's length.
	statEvery = 200 * time.Millisecond
)

// HealthState shares cooldowns and open circuits between the server
// processes of several editor windows through <config-dir>/state/
// health.json: a 429 one window saw is honoured by the others, and a new
// window does not start on a provider known to be down. Writes are locked
// and atomic; reads are answered from memory and refreshed when the file
// changes. Entries expire at their own time and are pruned on every write.
// It is best effort: a state file that cannot be read or written only costs
// sharing, never a request.
type HealthState struct {
	path, lock string
	now        func() time.Time

	// mu guards the cache below.
	mu      sync.Mutex
	entries map[string]healthEntry
	stat    os.FileInfo
	checked time.Time // when the file was last stat'ed
	lastErr error
}

type healthEntry struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason,omitempty"`
}

type healthFile struct {
	Version   int                    `json:"version"`
	Cooldowns map[string]healthEntry `json:"cooldowns"`
}

// NewHealthState returns the shared health state of config dir dir.
func NewHealthState(dir string) balancer.SharedState { return newHealthState(dir, time.Now) }

func newHealthState(dir string, now func() time.Time) *HealthState {
	d := filepath.Join(dir, "state")
	return &HealthState{path: filepath.Join(d, "health.json"), lock: filepath.Join(d, ".health.lock"), now: now}
}

// Cooldown reports whether key is cooling down, until when and why.
func (h *HealthState) Cooldown(key string) (until time.Time, reason string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refresh()
	e, found := h.entries[key]
	if !found || !e.Until.After(h.now()) {
		return time.Time{}, "", false
	}
	return e.Until, e.Reason, true
}

// SetCooldown records that key is unavailable until until; a zero or past
// until clears it (a success after a cooldown). The last writer wins.
func (h *HealthState) SetCooldown(key string, until time.Time, reason string) {
	if len(reason) > maxReason {
		// Cut on a rune boundary: a vendor message in any language must
		// stay valid UTF-8 in health.json and in the status view.
		reason = strings.ToValidUTF8(reason[:maxReason], "")
	}
	now := h.now()
	if limit := now.Add(maxCooldown); until.After(limit) {
		until = limit
	}
	err := withLock(h.lock, func() error {
		entries := readHealth(h.path)
		for k, e := range entries {
			if !e.Until.After(now) {
				delete(entries, k)
			}
		}
		if until.After(now) {
			entries[key] = healthEntry{Until: until.UTC(), Reason: reason}
		} else {
			if _, ok := entries[key]; !ok {
				return nil // nothing to clear: spare the write
			}
			delete(entries, key)
		}
		trim(entries)
		data, err := json.MarshalIndent(healthFile{Version: 1, Cooldowns: entries}, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.Write(h.path, append(data, '\n'), 0o600, false)
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = err
	h.stat, h.checked = nil, time.Time{} // reread on next Cooldown
}

// Err returns the last error writing the state file, for status output.
func (h *HealthState) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

// refresh rereads the file when it changed since the last read; call it
// with mu held.
func (h *HealthState) refresh() {
	now := h.now()
	if !h.checked.IsZero() && now.Sub(h.checked) < statEvery && !now.Before(h.checked) {
		return
	}
	h.checked = now
	st, err := os.Stat(h.path)
	if err != nil {
		h.entries, h.stat = nil, nil
		return
	}
	if h.stat != nil && os.SameFile(h.stat, st) && st.ModTime().Equal(h.stat.ModTime()) && st.Size() == h.stat.Size() {
		return
	}
	h.entries, h.stat = readHealth(h.path), st
}

// readHealth reads the state file; a missing or corrupt file is empty state.
func readHealth(path string) map[string]healthEntry {
	var f healthFile
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &f)
	}
	if f.Cooldowns == nil {
		f.Cooldowns = map[string]healthEntry{}
	}
	return f.Cooldowns
}

// trim keeps the maxEntries entries that last longest.
func trim(entries map[string]healthEntry) {
	if len(entries) <= maxEntries {
		return
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return entries[keys[i]].Until.After(entries[keys[j]].Until) })
	for _, k := range keys[maxEntries:] {
		delete(entries, k)
	}
}

var _ balancer.SharedState = (*HealthState)(nil)
