package balancer

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// Time the caller spends on an event is not vendor silence: a caller slower
// than idle_timeout_ms (an editor repainting, a full stdout pipe) must not
// make the balancer cut a vendor that keeps streaming, nor count it against
// the bucket. Inline and hedged runs alike.
func TestSlowConsumerIsNotIdleVendor(t *testing.T) {
	for _, hedge := range []time.Duration{0, time.Second} {
		t.Run(map[bool]string{false: "inline", true: "hedged"}[hedge > 0], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := newFake("a", step{text: []string{"one ", "two ", "three"}, gap: 10 * time.Millisecond})
				s := DefaultSettings()
				s.IdleTimeout = 100 * time.Millisecond
				s.HedgeAfter = hedge
				lb := mustNew(t, "failover", buckets(a), s)
				var text string
				for ev, err := range lb.Stream(context.Background(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
					if err != nil {
						t.Fatalf("after %q: %v", text, err)
					}
					if ev.Kind == providers.EventText {
						text += ev.Text
						time.Sleep(300 * time.Millisecond) // the caller is slow
					}
				}
				if text != "one two three" {
					t.Errorf("text = %q", text)
				}
				if st := lb.Stats()[0]; st.Timeouts != 0 || st.Successes != 1 {
					t.Errorf("stats = %+v, want one success and no timeout", st)
				}
			})
		})
	}
}
