package balancer

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A bucket whose cooldown ends while another bucket's attempt runs must be
// tried once that attempt fails, not reported as exhausted; one that frees
// later is waited for within the request's time, else the request fails at
// once; no bucket is tried beyond its attempt budget.
func TestBucketFreedDuringAttemptIsTried(t *testing.T) {
	hang := step{hang: true}
	tests := []struct {
		name string
		// warm runs one request first (a's 429 puts it in cooldown).
		warm       bool
		a, b       []step
		requestTO  time.Duration
		wantTried  []string
		wantText   string
		wantErr    []string // substrings of the ExhaustedError
		wantTook   time.Duration
		wantACalls int
	}{
		{
			name: "cooldown from an earlier request ends during the hang",
			warm: true,
			a:    []step{{err: rateLimited(time.Second)}, {}},
			b:    []step{{}, hang},
			// a is skipped (cooling), b hangs to first_token_timeout_ms,
			// by then a is free.
			wantTried:  []string{"b:failed", "a:served"},
			wantText:   "ok",
			wantTook:   2 * time.Second,
			wantACalls: 2,
		},
		{
			name:       "cooldown from this request ends during the hang",
			a:          []step{{err: rateLimited(time.Second)}, {}},
			b:          []step{hang},
			wantTried:  []string{"a:failed", "b:failed", "a:served"},
			wantText:   "ok",
			wantTook:   2 * time.Second,
			wantACalls: 2,
		},
		{
			name:       "cooldown ends after the hang: waited for",
			a:          []step{{err: rateLimited(3 * time.Second)}, {}},
			b:          []step{hang},
			wantTried:  []string{"a:failed", "b:failed", "a:served"},
			wantText:   "ok",
			wantTook:   3 * time.Second,
			wantACalls: 2,
		},
		{
			name:      "cooldown ends past request_timeout_ms: fail at once",
			a:         []step{{err: rateLimited(10 * time.Second)}},
			b:         []step{hang},
			requestTO: 5 * time.Second,
			wantTried: []string{"a:failed", "b:failed"},
			wantErr:   []string{"a: cooldown", "frees at", "b: failed", "first_token_timeout_ms"},
			// b's 2s hang, then no wait: a frees 8s past the deadline.
			wantTook:   2 * time.Second,
			wantACalls: 1,
		},
		{
			name:      "attempt budget holds: a rate-limited twice is not tried a third time",
			a:         []step{{err: rateLimited(time.Second)}, {err: rateLimited(time.Second)}, {}},
			b:         []step{hang},
			wantTried: []string{"a:failed", "b:failed", "a:failed"},
			wantErr:   []string{"a: cooldown", "b: failed"},
			// b's 2s hang; a's second cooldown would need a third attempt.
			wantTook:   2 * time.Second,
			wantACalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := newFake("a", tt.a...), newFake("b", tt.b...)
				s := DefaultSettings()
				s.FirstTokenTimeout = 2 * time.Second
				s.RequestTimeout = tt.requestTO
				lb := mustNew(t, "failover", buckets(a, b), s)
				if tt.warm {
					if _, _, err := call(t, lb); err != nil {
						t.Fatalf("warm-up request: %v", err)
					}
				}
				start := time.Now()
				text, tr, err := call(t, lb)
				if took := time.Since(start); took != tt.wantTook {
					t.Errorf("took %v, want %v", took, tt.wantTook)
				}
				if diff := cmp.Diff(tt.wantTried, tried(tr)); diff != "" {
					t.Errorf("tried (-want +got):\n%s", diff)
				}
				if a.Calls() != tt.wantACalls {
					t.Errorf("a called %d times, want %d", a.Calls(), tt.wantACalls)
				}
				if tt.wantErr == nil {
					if err != nil || text != tt.wantText {
						t.Fatalf("text %q err %v, want %q", text, err, tt.wantText)
					}
					return
				}
				var ex *ExhaustedError
				if !errors.As(err, &ex) {
					t.Fatalf("err = %v, want *ExhaustedError", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(ex.Error(), w) {
						t.Errorf("error %q lacks %q", ex.Error(), w)
					}
				}
			})
		})
	}
}
