package lsp

import (
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.lsp.dev/protocol"
)

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
