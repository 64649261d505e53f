package anthropic

import (
	"runtime"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// BenchmarkStream10k streams a 10,000-chunk reply from the fake server
// through the SDK and the adapter. The fake server runs in the same process,
// so events/s and allocs/event include its side of the work too.
func BenchmarkStream10k(b *testing.B) {
	const chunks = 10_000
	text := make([]string, chunks)
	for i := range text {
		text[i] = "tok "
	}
	s := providertest.NewAnthropic()
	defer s.Close()
	s.SetRecording(false)
	s.SetDefault(providertest.Script{Text: text})
	c, err := New(providers.Config{BaseURL: s.URL, APIKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	req := hello()

	var events int
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for ev, err := range c.Stream(b.Context(), req) {
			if err != nil {
				b.Fatal(err)
			}
			if ev.Kind == providers.EventText {
				n++
			}
			events++
		}
		if n != chunks {
			b.Fatalf("got %d text events, want %d", n, chunks)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
}
