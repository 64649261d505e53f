package openai

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// BenchmarkStream10k streams a 10,000-chunk reply from the fake server
// through the SDK and reports events/s and allocations per event (the fake
// server runs in the same process, so its allocations are counted too).
func BenchmarkStream10k(b *testing.B) {
	text := make([]string, 10000)
	for i := range text {
		text[i] = "tok" + strconv.Itoa(i%10) + " "
	}
	for _, api := range []string{"chat", "responses"} {
		b.Run(api, func(b *testing.B) {
			srv := providertest.NewOpenAI()
			defer srv.Close()
			srv.SetRecording(false)
			srv.SetDefault(providertest.Script{Text: text})
			c, err := New(providers.Config{BaseURL: srv.URL + "/v1", APIKey: testKey, API: api})
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseIdleConnections()
			req := hello("gpt-4.1")
			var events int
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				for _, err := range c.Stream(context.Background(), req) {
					if err != nil {
						b.Fatal(err)
					}
					events++
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
		})
	}
}
