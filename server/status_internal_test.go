package server

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/balancer"
)

// TestWaitingIsShown: when every bucket is out and the balancer waits for
// the first to free, the front ends get a warning that says for which
// bucket, how long and why, so a long pause in the editor has a reason.
func TestWaitingIsShown(t *testing.T) {
	s := &Service{log: zerolog.Nop(), events: newFanout()}
	var got []StatusEvent
	defer s.Subscribe(func(ev StatusEvent) { got = append(got, ev) })()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		wait time.Duration
		want string
	}{
		{12400 * time.Millisecond, "every bucket is cooling down or open: waiting 12s for anthropic/claude (rate limited (HTTP 429))"},
		{250 * time.Millisecond, "every bucket is cooling down or open: waiting 250ms for anthropic/claude (rate limited (HTTP 429))"},
	} {
		got = nil
		s.observe("ha", balancer.Event{Kind: balancer.Waiting, Bucket: "anthropic/claude", Reason: "rate limited (HTTP 429)", Until: now.Add(tt.wait), Time: now})
		if len(got) != 1 || got[0].Kind != "warning" || got[0].Message != tt.want || got[0].Bucket != "anthropic/claude" ||
			got[0].Profile != "ha" || got[0].Failover == nil {
			t.Errorf("wait %v: events %+v, want one warning %q", tt.wait, got, tt.want)
		}
	}
}
