package balancer

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// Trace is one request's routing: every bucket considered, why it was
// skipped or how its attempt ended, and which one served.
type Trace struct {
	Attempts  []Attempt       `json:"attempts"`
	Served    string          `json:"served,omitempty"` // bucket name, "" if none
	Provider  string          `json:"provider,omitempty"`
	Model     string          `json:"model,omitempty"`
	Usage     providers.Usage `json:"usage"`
	CostUSD   float64         `json:"cost_usd"`
	Failovers int             `json:"failovers"`
}

// Attempt is one line of a trace: a try on a bucket, or a bucket skipped.
type Attempt struct {
	Bucket   string `json:"bucket"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	// Outcome is "served", "failed", "skipped" or "cancelled" (lost a hedge
	// race, or the caller went away).
	Outcome string `json:"outcome"`
	// Reason says why, for people: "cooldown until 10:31:02 (rate limited)",
	// "circuit open until 10:31:40", "context window 200000 < 250000
	// tokens", "overloaded (HTTP 503): …".
	Reason string              `json:"reason,omitempty"`
	Kind   providers.ErrorKind `json:"kind,omitempty"`
	Status int                 `json:"status,omitempty"`
	// Start is the offset from the request's start; TTFT the time to the
	// first content; Duration the attempt's length. JSON carries them as
	// milliseconds: start_ms, ttft_ms, duration_ms.
	Start    time.Duration `json:"-"`
	TTFT     time.Duration `json:"-"`
	Duration time.Duration `json:"-"`
	Hedge    bool          `json:"hedge,omitempty"`
}

// attemptJSON is Attempt on the wire, with durations in milliseconds.
type attemptJSON struct {
	attemptFields
	StartMs    float64 `json:"start_ms"`
	TTFTMs     float64 `json:"ttft_ms,omitempty"`
	DurationMs float64 `json:"duration_ms,omitempty"`
}

type attemptFields Attempt // no methods: no MarshalJSON recursion

// MarshalJSON writes the durations as milliseconds.
func (a Attempt) MarshalJSON() ([]byte, error) {
	return json.Marshal(attemptJSON{attemptFields(a), msRound(a.Start), msRound(a.TTFT), msRound(a.Duration)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Attempt) UnmarshalJSON(b []byte) error {
	var j attemptJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = Attempt(j.attemptFields)
	a.Start = time.Duration(j.StartMs * float64(time.Millisecond))
	a.TTFT = time.Duration(j.TTFTMs * float64(time.Millisecond))
	a.Duration = time.Duration(j.DurationMs * float64(time.Millisecond))
	return nil
}

// msRound is d in milliseconds to 0.001 ms.
func msRound(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}

// EventKind says what an Event reports.
type EventKind uint8

// The routing events an observer receives.
const (
	AttemptStart  EventKind = iota + 1 // a try on Bucket begins
	AttemptFailed                      // a try on Bucket failed (ErrKind, Status, Reason)
	Failover                           // moving From one bucket To the next, Reason says why
	Success                            // Bucket served the request
	Exhausted                          // every bucket failed or is unavailable
	// Waiting: every bucket is cooling down or open, and the request waits
	// until Until for Bucket, the one that frees first (Reason says why it
	// is out), rather than failing; a front end shows it so a long pause
	// has a reason on screen.
	Waiting
)

func (k EventKind) String() string {
	switch k {
	case AttemptStart:
		return "attempt-start"
	case AttemptFailed:
		return "attempt-failed"
	case Failover:
		return "failover"
	case Success:
		return "success"
	case Exhausted:
		return "exhausted"
	case Waiting:
		return "waiting"
	}
	return "unknown"
}

// MarshalText lets kinds appear by name in JSON.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one routing decision, for status notifications.
type Event struct {
	Kind    EventKind           `json:"kind"`
	Bucket  string              `json:"bucket,omitempty"`
	From    string              `json:"from,omitempty"`
	To      string              `json:"to,omitempty"`
	Reason  string              `json:"reason,omitempty"`
	ErrKind providers.ErrorKind `json:"err_kind,omitempty"`
	Status  int                 `json:"status,omitempty"`
	Hedge   bool                `json:"hedge,omitempty"`
	Until   time.Time           `json:"until,omitzero"` // Waiting: when Bucket frees
	Time    time.Time           `json:"time"`
}

// BucketState is one bucket's line in an ExhaustedError.
type BucketState struct {
	Bucket string    `json:"bucket"`
	State  string    `json:"state"`  // "failed", "cooldown", "open", "half-open", "disabled", "too small", "not tried"
	Reason string    `json:"reason"` // why, for people
	Until  time.Time `json:"until,omitzero"`
}

// ExhaustedError is the error when every bucket failed or is unavailable. It
// lists each bucket, its state, why, and when it frees, so a front end can
// say more than "all backends failed".
type ExhaustedError struct {
	Buckets []BucketState
	// Last is the last attempt's error, nil when nothing was tried.
	Last *providers.Error
}

func (e *ExhaustedError) Error() string {
	var b strings.Builder
	b.WriteString("lb: no bucket could serve the request")
	for i, s := range e.Buckets {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, s.Bucket, s.State)
		if s.Reason != "" && s.Reason != s.State {
			fmt.Fprintf(&b, " (%s)", s.Reason)
		}
		if !s.Until.IsZero() {
			fmt.Fprintf(&b, ", frees at %s", s.Until.Format("15:04:05"))
		}
	}
	return b.String()
}

// Unwrap returns the last attempt's *providers.Error.
func (e *ExhaustedError) Unwrap() error {
	if e.Last == nil {
		return nil
	}
	return e.Last
}

// describe renders an attempt's error for traces and events.
func describe(e *providers.Error) string {
	s := e.Kind.String()
	if e.Status != 0 {
		s = fmt.Sprintf("%d %s", e.Status, s)
	}
	if e.Message != "" {
		s += ": " + providers.Shorten(e.Message, 120)
	} else if e.Err != nil {
		s += ": " + providers.Shorten(e.Err.Error(), 120)
	}
	return redact(s)
}
