package lsp

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"go.lsp.dev/protocol"
)

// Pieces are coalesced to one notification per interval, concatenated in
// order, nothing lost, and close flushes the rest at once.
func TestPartialCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		type sent struct {
			at   time.Duration
			text string
		}
		var got []sent
		t0 := time.Now()
		p := newPartial(func(text string) {
			mu.Lock()
			got = append(got, sent{time.Since(t0), text})
			mu.Unlock()
		})
		p.add("a") // sent at once: nothing was sent before
		p.add("b")
		p.add("c")
		time.Sleep(5 * time.Millisecond)
		p.add("d")
		time.Sleep(30 * time.Millisecond) // the timer flushes "bcd" at 20 ms
		p.add("e")                        // 35 ms: 15 ms after the last, so it waits
		time.Sleep(time.Millisecond)
		p.add("f")
		p.close() // flushes "ef" now, before the response
		p.add("g")
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
func TestPartialKeepsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b strings.Builder
		n := 0
		p := newPartial(func(text string) { b.WriteString(text); n++ })
		var want strings.Builder
		for i := range 1000 {
			piece := string(rune('a' + i%26))
			want.WriteString(piece)
			p.add(piece)
			time.Sleep(time.Millisecond)
		}
		p.close()
		if b.String() != want.String() {
			t.Errorf("text differs: got %d bytes, want %d", b.Len(), want.Len())
		}
		if n > 1000/20+2 {
			t.Errorf("%d notifications for 1 s of streaming, want about 50", n)
		}
	})
}

// BenchmarkCodeActionList lists actions for a cursor line of a 5,000-line
// document, as editors do on every cursor move (target: well under 1 ms).
func BenchmarkCodeActionList(b *testing.B) {
	s := newServer(newFake(), nil, zerolog.Nop())
	s.docs.open(newDocument(docURI, "go", 1, bigDocument()))
	params := &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: docURI}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		params.Range = protocol.Range{Start: p(uint32(i%5000), 3), End: p(uint32(i%5000), 3)}
		if _, err := s.CodeAction(b.Context(), params); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodeActionRoundTrip is a codeAction request over the wire (JSON
// both ways, net.Pipe) on a 5,000-line document; it reports the p99.
func BenchmarkCodeActionRoundTrip(b *testing.B) {
	s := start(b, newFake(), true, false, false)
	s.open(docURI, "go", bigDocument())
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		line := i % 5000
		i++
		start := time.Now()
		if err := s.call("textDocument/codeAction", codeActionParams(rng{pos{line, 3}, pos{line, 3}}, nil), nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}
