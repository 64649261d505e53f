package main

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"math"
	"text/tabwriter"
)

// baseline finds the direct path's figures at a concurrency.
func baseline(res *Results, conc int) Load {
	for _, l := range res.Loads {
		if l.Path == "direct" && l.Concurrency == conc {
			return l
		}
	}
	return Load{}
}

func printTable(w io.Writer, res *Results) {
	m := res.Machine
	fmt.Fprintf(w, "machine: %d × %s, load %s, %s; %s run, %.0f s\n\n", m.CPUs, m.Model, m.LoadAvg, m.Go, map[bool]string{true: "quick", false: "full"}[res.Quick], res.Seconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "Overhead: one streamed chat (6 chunks) to a fake OpenAI server on 127.0.0.1; + is over direct at the same concurrency (ms)")
	fmt.Fprintln(tw, "path\tconc\tp50\tp99\t+p50\t+p99\tTTFT p50\t+TTFT p50\treq/s\terrors\t")
	for _, l := range res.Loads {
		b := baseline(res, l.Concurrency)
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%+.3f\t%+.3f\t%.3f\t%+.3f\t%.0f\t%d\t\n", l.Path, l.Concurrency, l.Latency.P50, l.Latency.P99,
			l.Latency.P50-b.Latency.P50, l.Latency.P99-b.Latency.P99, l.TTFT.P50, l.TTFT.P50-b.TTFT.P50, l.RPS, l.Errors)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nTime to first token, model streaming 6 chunks 5 ms apart, c=1 (ms)")
	fmt.Fprintln(tw, "path\tTTFT p50\tTTFT p99\t+p50 over direct\t")
	for _, p := range res.Paced {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%+.3f\t\n", p.Path, p.TTFT.P50, p.TTFT.P99, p.TTFT.P50-res.Paced[0].TTFT.P50)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nFailover: first token from bucket 2 while bucket 1 fails, minus bucket 2's own first token alone (ms)")
	fmt.Fprintln(tw, "case\tpath\tn\tTTFT p50\thealthy p50\tadded p50\tadded p99\terrors\t")
	for _, f := range res.Failover {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%+.3f\t%+.3f\t%d\t\n", f.Case, f.Path, f.N, f.TTFTp50, f.RefP50, f.AddedP50, f.AddedP99, f.Errors)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nHedging: bucket 1 waits 200 ms before its first token on 10% of requests (in-process balancer, ms)")
	fmt.Fprintln(tw, "setting\tn\tp50\tp90\tp99\tmax\t")
	for _, h := range res.Hedging {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t\n", h.Setting, h.Latency.N, h.Latency.P50, h.Latency.P90, h.Latency.P99, h.Latency.Max)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nStart-up, memory, code actions")
	for _, s := range res.Startup {
		fmt.Fprintf(tw, "start-up to initialize reply (%s)\tp50 %.1f ms\tmax %.1f ms\t\n", s.Mode, s.Dist.P50, s.Dist.Max)
	}
	fmt.Fprintf(tw, "RSS (lsp)\tidle %.1f MiB\tafter %d requests %.1f MiB\t\n", res.Memory.IdleMiB, res.Memory.After, res.Memory.AfterMiB)
	fmt.Fprintf(tw, "textDocument/codeAction, 5,000-line file\tp50 %.3f ms\tp99 %.3f ms\t\n", res.Actions.P50, res.Actions.P99)
	tw.Flush()

	if p := res.Peers; p != nil {
		fmt.Fprintf(w, "\nPeer: Portkey gateway %s (node %s), same fake upstream, c=1 (ms)\n", p.Version, p.Node)
		fmt.Fprintln(tw, "figure\tp50\tp99\tdirect p50\tadded p50\terrors\t")
		for _, r := range p.Rows {
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%+.3f\t%d\t\n", r.Figure, r.Dist.P50, r.Dist.P99, r.Direct, r.Dist.P50-r.Direct, r.Errors)
		}
		fmt.Fprintf(tw, "Portkey idle RSS\t%.1f MiB\t\t\t\t\t\n", p.IdleMiB)
		tw.Flush()
	}

	fmt.Fprintln(w, "\nTargets (issue 7)")
	for _, t := range targets(res) {
		mark := "miss"
		if t.ok {
			mark = "ok"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", t.name, t.got, mark)
	}
	tw.Flush()
}

type target struct {
	name, got string
	ok        bool
}

func find(res *Results, path string, conc int) Load {
	for _, l := range res.Loads {
		if l.Path == path && l.Concurrency == conc {
			return l
		}
	}
	return Load{}
}

func targets(res *Results) []target {
	var out []target
	d := baseline(res, 1)
	for _, p := range []string{"mcp", "lsp"} {
		l := find(res, p, 1)
		add := l.Latency.P50 - d.Latency.P50
		out = append(out, target{"added p50 through stdio at c=1 < 0.2 ms (" + p + ")", fmt.Sprintf("%+.3f ms", add), add < 0.2})
	}
	for _, p := range []string{"balancer", "mcp", "lsp"} {
		l := find(res, p, 1)
		add := l.TTFT.P50 - d.TTFT.P50
		out = append(out, target{"added time to first token < 0.3 ms (" + p + ")", fmt.Sprintf("%+.3f ms", add), add < 0.3})
	}
	for _, p := range res.Paced[min(1, len(res.Paced)):] {
		add := p.TTFT.P50 - res.Paced[0].TTFT.P50
		out = append(out, target{"added time to first token, paced stream < 0.3 ms (" + p.Path + ")", fmt.Sprintf("%+.3f ms", add), add < 0.3})
	}
	for _, f := range res.Failover {
		switch f.Case {
		case "503 on bucket 1":
			out = append(out, target{"503 failover < 0.3 ms beyond bucket 2 (" + f.Path + ")", fmt.Sprintf("%+.3f ms", f.AddedP50), f.AddedP50 < 0.3})
		case "bucket 1 hangs, hedge_after_ms=50 (timeout 1000)":
			out = append(out, target{"hung bucket 1 costs the hedge delay, not the timeout (" + f.Path + ")", fmt.Sprintf("50 ms %+.3f ms", f.AddedP50-50), f.AddedP50 < 60})
		}
	}
	out = append(out, target{"code-action listing p99 < 1 ms", fmt.Sprintf("%.3f ms", res.Actions.P99), res.Actions.P99 < 1})
	for _, s := range res.Startup {
		out = append(out, target{"start-up < 50 ms (" + s.Mode + ")", fmt.Sprintf("%.1f ms", s.Dist.P50), s.Dist.P50 < 50})
	}
	out = append(out, target{"idle RSS < 30 MB", fmt.Sprintf("%.1f MiB", res.Memory.IdleMiB), res.Memory.IdleMiB*1.048576 < 30})
	return out
}

// chart draws each distribution as a bar from p50 to p99 with a tick at
// p90, on a log scale from 0.01 ms to 1 s.
func chart(res *Results) []byte {
	type row struct {
		label string
		d     Dist
	}
	var rows []row
	for _, l := range res.Loads {
		rows = append(rows, row{fmt.Sprintf("%s c=%d", l.Path, l.Concurrency), l.Latency})
	}
	for _, h := range res.Hedging {
		rows = append(rows, row{"hedging: " + h.Setting, h.Latency})
	}
	if res.Peers != nil {
		for _, r := range res.Peers.Rows {
			rows = append(rows, row{"portkey: " + r.Figure, r.Dist})
		}
	}
	const left, width, rowH, top = 290, 620, 22, 40
	lo, hi := math.Log10(0.01), math.Log10(1000)
	x := func(v float64) float64 {
		v = math.Max(v, 0.01)
		return left + (math.Log10(v)-lo)/(hi-lo)*width
	}
	var b bytes.Buffer
	h := top + rowH*len(rows) + 40
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", left+width+30, h)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14">llxprt-ls latency per request (ms, log scale): bar p50–p99, tick p90 — %s</text>`+"\n", html.EscapeString(res.Machine.Model))
	for _, v := range []float64{0.01, 0.1, 1, 10, 100, 1000} {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%g</text>`+"\n", x(v), top-5, x(v), h-30, x(v), h-15, v)
	}
	colors := map[string]string{"direct": "#888", "balancer": "#2a7", "mcp": "#27c", "lsp": "#c52"}
	for i, r := range rows {
		y := top + i*rowH
		c := "#a5a"
		for k, v := range colors {
			if len(r.label) >= len(k) && r.label[:len(k)] == k {
				c = v
			}
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+14, html.EscapeString(r.label))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="12" fill="%s"/>`, x(r.d.P50), y+4, math.Max(x(r.d.P99)-x(r.d.P50), 2), c)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>`+"\n", x(r.d.P90), y+2, x(r.d.P90), y+18)
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
