package server

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile/auth"
)

// Status is a snapshot of the active profile and its balancer.
type Status struct {
	Profile    string                 `json:"profile"`
	Policy     string                 `json:"policy"`
	LastServed string                 `json:"lastServed"`
	Buckets    []balancer.BucketStats `json:"buckets"`
	// Credentials says, per bucket in order, where its credential came from
	// (never the secret).
	Credentials []auth.Source `json:"credentials,omitempty"`
	Warnings    []string      `json:"warnings,omitempty"`
	Error       string        `json:"error,omitempty"` // why no profile is usable
	Busy        int           `json:"busy"`
}

// Status reports the active profile, per-bucket stats and credential
// sources, the bucket that served last, warnings and requests in flight.
func (s *Service) Status() Status {
	a := s.cur.Load()
	st := Status{Profile: a.display(), Busy: int(s.busy.Load())}
	if a.err != nil {
		st.Error = a.err.Error()
	}
	if a.built != nil {
		st.Policy = a.built.Balancer.Policy()
		st.LastServed = a.built.Balancer.LastServed()
		st.Buckets = a.built.Balancer.Stats()
		st.Credentials = a.built.Credentials
		st.Warnings = append(st.Warnings, a.built.Warnings...)
	}
	s.warnMu.Lock()
	for _, k := range slices.Sorted(maps.Keys(s.warnings)) {
		st.Warnings = append(st.Warnings, s.warnings[k])
	}
	s.warnMu.Unlock()
	return st
}

// setWarning sets (or with "" clears) the warning kept under key:
// "profile:NAME", "sessions", "settings.json", "watch" or "watch:oauth".
func (s *Service) setWarning(key, msg string) {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	if msg == "" {
		delete(s.warnings, key)
		return
	}
	s.warnings[key] = msg
}

// StatusEvent is what front ends turn into llxprt/didChangeStatus (LSP) and
// logging notifications (MCP).
type StatusEvent struct {
	Kind     string          `json:"kind"` // "normal" | "warning" (after a failover) | "error" (every bucket failing)
	Busy     bool            `json:"busy"`
	Message  string          `json:"message"`
	Profile  string          `json:"profile"`
	Bucket   string          `json:"bucket"`
	Failover *balancer.Event `json:"-"` // set for a failover, an exhausted profile or a wait: front ends log it
}

// Subscribe calls fn for every status change: a profile switch, a change of
// serving bucket, a failover, a request starting or ending. fn is called on
// the goroutine that caused the change and must not block; the returned
// func unsubscribes.
func (s *Service) Subscribe(fn func(StatusEvent)) (unsubscribe func()) { return s.events.add(fn) }

func (s *Service) emit(ev StatusEvent) { s.events.send(ev) }

// observe turns the events of profile prof's balancer into status events.
// prof is the profile the balancer was built from, which is not the active
// one for a request that names another profile.
func (s *Service) observe(prof string, ev balancer.Event) {
	switch ev.Kind {
	case balancer.Failover:
		e := ev
		msg := fmt.Sprintf("failover from %s to %s: %s", ev.From, ev.To, ev.Reason)
		s.log.Warn().Str("from", ev.From).Str("to", ev.To).Str("reason", ev.Reason).Stringer("kind", ev.ErrKind).Int("status", ev.Status).Msg("failover")
		s.emit(StatusEvent{Kind: "warning", Busy: s.busy.Load() > 0, Message: msg, Profile: prof, Bucket: ev.To, Failover: &e})
	case balancer.Exhausted:
		e := ev
		msg := "every bucket failed"
		if ev.Reason != "" {
			msg += ": " + ev.Reason
		}
		s.log.Error().Str("reason", ev.Reason).Msg("every bucket failed")
		s.emit(StatusEvent{Kind: "error", Busy: s.busy.Load() > 0, Message: msg, Profile: prof, Bucket: ev.Bucket, Failover: &e})
	case balancer.Waiting:
		e := ev
		wait := ev.Until.Sub(ev.Time)
		if wait >= time.Second {
			wait = wait.Round(time.Second)
		} else {
			wait = wait.Round(time.Millisecond)
		}
		msg := fmt.Sprintf("every bucket is cooling down or open: waiting %v for %s", wait, ev.Bucket)
		if ev.Reason != "" {
			msg += " (" + ev.Reason + ")"
		}
		s.log.Warn().Str("bucket", ev.Bucket).Dur("wait", wait).Str("reason", ev.Reason).Msg("waiting for a bucket to free")
		s.emit(StatusEvent{Kind: "warning", Busy: s.busy.Load() > 0, Message: msg, Profile: prof, Bucket: ev.Bucket, Failover: &e})
	case balancer.AttemptFailed:
		s.log.Debug().Str("bucket", ev.Bucket).Stringer("kind", ev.ErrKind).Int("status", ev.Status).Str("reason", ev.Reason).Msg("attempt failed")
	case balancer.Success:
		s.log.Debug().Str("bucket", ev.Bucket).Msg("served")
	}
}

// fanout delivers status events to subscribers. The list is copied before
// calling, so a subscriber may unsubscribe from inside its callback.
type fanout struct {
	mu   sync.Mutex
	next int
	subs map[int]func(StatusEvent)
}

func newFanout() *fanout { return &fanout{subs: map[int]func(StatusEvent){}} }

func (f *fanout) add(fn func(StatusEvent)) func() {
	f.mu.Lock()
	id := f.next
	f.next++
	f.subs[id] = fn
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			delete(f.subs, id)
			f.mu.Unlock()
		})
	}
}

func (f *fanout) send(ev StatusEvent) {
	f.mu.Lock()
	fns := make([]func(StatusEvent), 0, len(f.subs))
	for _, k := range slices.Sorted(maps.Keys(f.subs)) {
		fns = append(fns, f.subs[k])
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}
