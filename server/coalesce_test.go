package server

import (
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Pieces are coalesced to one notification per interval, concatenated in
// order, nothing lost, and close flushes the rest at once.
func TestCoalescerSendsFirstAtOnceThenBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		type sent struct {
			at   time.Duration
			text string
		}
		var got []sent
		t0 := time.Now()
		p := NewCoalescer(CoalesceInterval, func(text string) {
			mu.Lock()
			got = append(got, sent{time.Since(t0), text})
			mu.Unlock()
		})
		p.Add("a") // sent at once: nothing was sent before
		p.Add("b")
		p.Add("c")
		time.Sleep(5 * time.Millisecond)
		p.Add("d")
		time.Sleep(30 * time.Millisecond) // the timer flushes "bcd" at 20 ms
		p.Add("e")                        // 35 ms: 15 ms after the last, so it waits
		time.Sleep(time.Millisecond)
		p.Add("f")
		p.Close() // flushes "ef" now, before the response
		p.Add("g")
		synctest.Wait()
		want := []sent{{0, "a"}, {20 * time.Millisecond, "bcd"}, {36 * time.Millisecond, "ef"}}
		mu.Lock()
		defer mu.Unlock()
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(sent{})); diff != "" {
			t.Errorf("notifications (-want +got):\n%s", diff)
		}
	})
}

// Many small pieces from a fast model: far fewer notifications, same text.
func TestCoalescerKeepsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b strings.Builder
		n := 0
		p := NewCoalescer(CoalesceInterval, func(text string) { b.WriteString(text); n++ })
		var want strings.Builder
		for i := range 1000 {
			piece := string(rune('a' + i%26))
			want.WriteString(piece)
			p.Add(piece)
			time.Sleep(time.Millisecond)
		}
		p.Close()
		if b.String() != want.String() {
			t.Errorf("text differs: got %d bytes, want %d", b.Len(), want.Len())
		}
		if n > 1000/20+2 {
			t.Errorf("%d notifications for 1 s of streaming, want about 50", n)
		}
	})
}
