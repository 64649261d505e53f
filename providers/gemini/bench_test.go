package gemini

import (
	"runtime"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// BenchmarkStream10k streams a 10,000-chunk reply from the fake server
// through the SDK. allocs/event counts the whole process, the fake server's
// writes included.
func BenchmarkStream10k(b *testing.B) {
	srv := newServer(b)
	srv.SetRecording(false)
	pieces := make([]string, 10_000)
	for i := range pieces {
		pieces[i] = "tok "
	}
	srv.SetDefault(providertest.Script{Text: pieces})
	c := newClient(b, providers.Config{BaseURL: srv.URL, APIKey: "k"})
	req := hello("gemini-2.5-flash")
	var events int
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		for ev, err := range c.Stream(b.Context(), req) {
			if err != nil {
				b.Fatal(err)
			}
			if ev.Kind == providers.EventText {
				events++
			}
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if events != b.N*len(pieces) {
		b.Fatalf("got %d text events, want %d", events, b.N*len(pieces))
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
}
