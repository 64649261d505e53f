// Command bench measures llxprt-ls against the providertest fakes on
// 127.0.0.1, every path side by side in one run so machine noise cancels:
// the same streamed chat (a) straight through openai-go, (b) through the
// balancer in-process, (c) through `llxprt-ls mcp` and (d) `llxprt-ls lsp`
// over stdio, at concurrency 1, 16 and 256; failover and hedging; start-up;
// memory; code-action listing; and with -peers the Portkey gateway.
//
//	go run ./bench [-quick] [-peers] [-out DIR]
//
// It prints a table, writes results.json and latency.svg into DIR and
// prints their paths. See bench/README.md for the figures on the dev box.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/e2e"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// Results is everything one run measured (the JSON file).
type Results struct {
	When     time.Time  `json:"when"`
	Machine  Machine    `json:"machine"`
	Quick    bool       `json:"quick"`
	Loads    []Load     `json:"loads"`
	Paced    []Paced    `json:"paced_ttft"`
	Failover []Failover `json:"failover"`
	Hedging  []Hedge    `json:"hedging"`
	Startup  []Startup  `json:"startup"`
	Memory   Memory     `json:"memory"`
	Actions  Dist       `json:"code_action_listing"`
	Peers    *Peers     `json:"peers,omitempty"`
	Seconds  float64    `json:"seconds"`
}

// Machine is where the figures came from.
type Machine struct {
	CPUs    int    `json:"nproc"`
	Model   string `json:"cpu_model"`
	LoadAvg string `json:"loadavg"`
	Go      string `json:"go"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		m.LoadAvg = strings.Join(f[:min(3, len(f))], " ")
	}
	return m
}

func main() {
	quick := flag.Bool("quick", false, "small counts (~15 s) instead of the full run (~1–2 min)")
	peers := flag.Bool("peers", false, "also measure the Portkey gateway from npm (needs node and npm)")
	out := flag.String("out", filepath.Join(os.TempDir(), "llxprt-bench"), "directory for results.json and latency.svg")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *quick, *peers, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, quick, peers bool, out string) error {
	t0 := time.Now()
	dir, err := os.MkdirTemp("", "llxprt-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(os.Stderr, "building llxprt-ls …")
	bin, err := e2e.Build(ctx, dir, false)
	if err != nil {
		return err
	}
	e := &env{bin: bin, dir: dir, quick: quick}
	res := Results{When: time.Now().UTC(), Machine: machine(), Quick: quick}

	fake := providertest.NewOpenAI()
	defer fake.Close()
	fake.SetRecording(false)
	doc := e2e.Profile("failover", nil, e2e.OpenAIBucket(fake.URL))

	if res.Loads, err = overhead(ctx, e, fake, doc); err != nil {
		return err
	}
	step := func(name string, f func() error) error {
		fmt.Fprintln(os.Stderr, name, "…")
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	steps := []struct {
		name string
		f    func() error
	}{
		{"paced stream", func() (err error) { res.Paced, err = paced(ctx, e); return }},
		{"failover", func() (err error) { res.Failover, err = failovers(ctx, e, fake); return }},
		{"hedging", func() (err error) { res.Hedging, err = hedging(ctx, e, fake); return }},
		{"start-up", func() (err error) { res.Startup, err = startup(ctx, e, doc); return }},
		{"memory", func() (err error) { res.Memory, err = memory(ctx, e, doc); return }},
		{"code actions", func() (err error) { res.Actions, err = codeActions(ctx, e, doc); return }},
	}
	for _, s := range steps {
		if err := step(s.name, s.f); err != nil {
			return err
		}
	}
	if peers {
		p, err := portkey(ctx, e, fake)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peers: skipped:", err)
		} else {
			res.Peers = p
		}
	}
	res.Seconds = time.Since(t0).Round(100 * time.Millisecond).Seconds()

	printTable(os.Stdout, &res)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	jp, sp := filepath.Join(out, "results.json"), filepath.Join(out, "latency.svg")
	if err := os.WriteFile(jp, b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(sp, chart(&res), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s\nwrote %s\n", jp, sp)
	return nil
}

// overhead runs the four paths at concurrency 1, 16 and 256 against fake.
func overhead(ctx context.Context, e *env, fake *providertest.Server, doc map[string]any) ([]Load, error) {
	in, err := newInProcess(ctx, doc)
	if err != nil {
		return nil, err
	}
	var procs []*stdio
	defer func() {
		for _, p := range procs {
			p.close()
		}
	}()
	paths := []struct {
		name string
		r    runner
	}{{"direct", newDirect(fake.URL)}, {"balancer", in}}
	for _, mode := range []string{"mcp", "lsp"} {
		cfg, err := e.config(doc)
		if err != nil {
			return nil, err
		}
		s, err := newStdio(ctx, e.bin, mode, cfg)
		if err != nil {
			return nil, err
		}
		procs = append(procs, s)
		paths = append(paths, struct {
			name string
			r    runner
		}{mode, s})
	}
	var out []Load
	for _, c := range []struct{ conc, full, quick int }{{1, 1500, 100}, {16, 4000, 300}, {256, 6000, 512}} {
		for _, p := range paths {
			fmt.Fprintf(os.Stderr, "overhead: %s c=%d …\n", p.name, c.conc)
			out = append(out, runLoad(ctx, p.name, p.r, c.conc, e.n(c.full, c.quick)))
		}
	}
	return out, nil
}
