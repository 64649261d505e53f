package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/e2e"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// env is what every scenario shares: the binary, a scratch directory and
// the run's size.
type env struct {
	bin   string
	dir   string
	quick bool
	seq   int
}

// n picks the full or the quick count.
func (e *env) n(full, quick int) int {
	if e.quick {
		return quick
	}
	return full
}

// config writes a fresh config directory whose default profile is doc (a
// fresh one per process, so sessions and shared health never carry over).
func (e *env) config(doc map[string]any) (string, error) {
	e.seq++
	return e2e.ConfigDir(filepath.Join(e.dir, fmt.Sprint("cfg", e.seq)), map[string]any{"bench": doc}, "bench")
}

// both builds the in-process balancer and an LSP process on doc.
func (e *env) both(ctx context.Context, doc map[string]any) (*inProcess, *stdio, error) {
	b, err := newInProcess(ctx, doc)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := e.config(doc)
	if err != nil {
		return nil, nil, err
	}
	l, err := newStdio(ctx, e.bin, "lsp", cfg)
	return b, l, err
}

// Failover is one failover case: the first token's delay over a healthy
// single-bucket profile on the same path.
type Failover struct {
	Case      string  `json:"case"`
	Path      string  `json:"path"`
	N         int     `json:"n"`
	TTFTp50   float64 `json:"ttft_p50_ms"`
	RefP50    float64 `json:"healthy_ttft_p50_ms"`
	AddedP50  float64 `json:"added_p50_ms"`
	AddedP99  float64 `json:"added_p99_ms"`
	Errors    int     `json:"errors"`
	Threshold string  `json:"threshold,omitempty"` // the deadline the case waits by design
}

// failovers measures a 503, a refused connection and a hang (first-token
// timeout, then hedging) on the first bucket, with the second healthy.
func failovers(ctx context.Context, e *env, healthy *providertest.Server) ([]Failover, error) {
	bad := providertest.NewOpenAI()
	defer bad.Close()
	bad.SetRecording(false)
	hang := providertest.NewOpenAI()
	defer hang.Close()
	hang.SetRecording(false)
	hang.SetDefault(providertest.Script{Fault: providertest.FaultHangBeforeHeaders})
	bad.SetDefault(providertest.Script{Status: 503})
	base := map[string]any{"failover_retry_count": 1, "circuit_breaker_enabled": false}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	good := e2e.OpenAIBucket(healthy.URL)
	cases := []struct {
		name, threshold string
		doc             map[string]any
		n               int
	}{
		{"503 on bucket 1", "", e2e.Profile("failover", base, e2e.OpenAIBucket(bad.URL), good), e.n(300, 40)},
		{"connection refused on bucket 1", "", e2e.Profile("failover", base, e2e.OpenAIBucket(strings.TrimSuffix(providertest.DeadURL(), "/")), good), e.n(300, 40)},
		{"bucket 1 hangs, first_token_timeout_ms=200", "200 ms", e2e.Profile("failover", with("first_token_timeout_ms", 200), e2e.OpenAIBucket(hang.URL), good), e.n(25, 6)},
		{"bucket 1 hangs, hedge_after_ms=50 (timeout 1000)", "50 ms", e2e.Profile("failover", with("first_token_timeout_ms", 1000, "hedge_after_ms", 50), e2e.OpenAIBucket(hang.URL), good), e.n(40, 8)},
	}
	refIn, refLSP, err := e.both(ctx, e2e.Profile("failover", base, good))
	if err != nil {
		return nil, err
	}
	defer refLSP.close()
	nref := e.n(300, 40)
	refs := map[string][]time.Duration{}
	for path, r := range map[string]runner{"balancer": refIn, "lsp": refLSP} {
		samples(ctx, r, 20)
		t, _, _, _ := samples(ctx, r, nref)
		refs[path] = t
	}
	var out []Failover
	for _, c := range cases {
		in, l, err := e.both(ctx, c.doc)
		if err != nil {
			return nil, err
		}
		for _, pr := range []struct {
			path string
			r    runner
		}{{"balancer", in}, {"lsp", l}} {
			samples(ctx, pr.r, min(c.n, 5))
			t, _, errs, _ := samples(ctx, pr.r, c.n)
			d, ref := dist(t), dist(refs[pr.path])
			out = append(out, Failover{Case: c.name, Path: pr.path, N: len(t), TTFTp50: d.P50, RefP50: ref.P50,
				AddedP50: round3(d.P50 - ref.P50), AddedP99: round3(d.P99 - ref.P99), Errors: errs, Threshold: c.threshold})
		}
		l.close()
	}
	return out, nil
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5*sign(v))) / 1000 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// Hedge is the latency of a profile whose first bucket is slow 10% of the
// time, with and without hedging.
type Hedge struct {
	Setting string `json:"setting"`
	Latency Dist   `json:"latency"`
}

// hedging runs the in-process balancer over a first bucket that waits
// 200 ms before its first token on a seeded 10% of requests.
func hedging(ctx context.Context, e *env, healthy *providertest.Server) ([]Hedge, error) {
	slow := providertest.NewOpenAI()
	defer slow.Close()
	slow.SetRecording(false)
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(7, 11))
	slow.SetResponder(func(providertest.Recorded) providertest.Script {
		mu.Lock()
		defer mu.Unlock()
		if r.IntN(10) == 0 {
			return providertest.Script{FirstDelay: 200 * time.Millisecond}
		}
		return providertest.Script{}
	})
	var out []Hedge
	for _, hedge := range []int{0, 20} {
		set := map[string]any{"failover_retry_count": 1}
		name := "no hedging"
		if hedge > 0 {
			set["hedge_after_ms"] = hedge
			name = fmt.Sprintf("hedge_after_ms=%d", hedge)
		}
		b, err := newInProcess(ctx, e2e.Profile("failover", set, e2e.OpenAIBucket(slow.URL), e2e.OpenAIBucket(healthy.URL)))
		if err != nil {
			return nil, err
		}
		_, total, _, _ := samples(ctx, b, e.n(400, 60))
		out = append(out, Hedge{Setting: name, Latency: dist(total)})
	}
	return out, nil
}

// Startup is process start to the initialize reply.
type Startup struct {
	Mode string `json:"mode"`
	Dist Dist   `json:"to_initialize_reply"`
}

func startup(ctx context.Context, e *env, doc map[string]any) ([]Startup, error) {
	cfg, err := e.config(doc)
	if err != nil {
		return nil, err
	}
	var out []Startup
	for _, mode := range []string{"lsp", "mcp"} {
		var ds []time.Duration
		for range e.n(15, 3) {
			s, err := newStdio(ctx, e.bin, mode, cfg)
			if err != nil {
				return nil, err
			}
			ds = append(ds, time.Since(s.p.Started))
			s.close()
		}
		out = append(out, Startup{Mode: mode, Dist: dist(ds)})
	}
	return out, nil
}

// Memory is the LSP server's resident set, idle and after a burst.
type Memory struct {
	IdleMiB  float64 `json:"idle_mib"`
	After    int     `json:"after_requests"`
	AfterMiB float64 `json:"after_mib"`
}

func memory(ctx context.Context, e *env, doc map[string]any) (Memory, error) {
	cfg, err := e.config(doc)
	if err != nil {
		return Memory{}, err
	}
	s, err := newStdio(ctx, e.bin, "lsp", cfg)
	if err != nil {
		return Memory{}, err
	}
	defer s.close()
	idle, err := s.p.RSS()
	if err != nil {
		return Memory{}, err
	}
	n := e.n(10000, 500)
	l := runLoad(ctx, "lsp", s, 16, n)
	if l.Errors > 0 {
		return Memory{}, fmt.Errorf("bench: memory run: %d errors, first: %s", l.Errors, l.FirstError)
	}
	after, err := s.p.RSS()
	if err != nil {
		return Memory{}, err
	}
	return Memory{IdleMiB: mib(idle), After: n, AfterMiB: mib(after)}, nil
}

func mib(b int64) float64 { return float64(b*10/(1<<20)) / 10 }

// codeActions lists code actions on a 5,000-line Go file at c=1.
func codeActions(ctx context.Context, e *env, doc map[string]any) (Dist, error) {
	cfg, err := e.config(doc)
	if err != nil {
		return Dist{}, err
	}
	s, err := newStdio(ctx, e.bin, "lsp", cfg)
	if err != nil {
		return Dist{}, err
	}
	defer s.close()
	var src strings.Builder
	src.WriteString("package big\n\n")
	for i := range 4998 / 3 {
		fmt.Fprintf(&src, "func f%d(x int) int {\n\treturn x + %d\n}\n", i, i)
	}
	uri := "file://" + filepath.Join(os.TempDir(), "big.go")
	if err := s.p.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "go", "version": 1, "text": src.String()}}); err != nil {
		return Dist{}, err
	}
	var ds []time.Duration
	n := e.n(2000, 300)
	for i := range n + 50 {
		line := (i * 37) % 4990
		params := map[string]any{
			"textDocument": map[string]any{"uri": uri},
			"range":        map[string]any{"start": map[string]any{"line": line, "character": 0}, "end": map[string]any{"line": line + 3, "character": 0}},
			"context":      map[string]any{"diagnostics": []any{map[string]any{"range": map[string]any{"start": map[string]any{"line": line, "character": 0}, "end": map[string]any{"line": line, "character": 4}}, "message": "unused x", "severity": 2}}},
		}
		t0 := time.Now()
		if _, err := s.p.Call(ctx, "textDocument/codeAction", params); err != nil {
			return Dist{}, fmt.Errorf("bench: codeAction: %w", err)
		}
		if i >= 50 { // the first requests warm up
			ds = append(ds, time.Since(t0))
		}
	}
	return dist(ds), nil
}

// Paced is the time to first token when the model streams at a human
// pace (5 ms between chunks), where a front end that holds text back to
// coalesce it shows; the overhead table's instant stream hides that.
type Paced struct {
	Path string `json:"path"`
	TTFT Dist   `json:"ttft"`
}

func paced(ctx context.Context, e *env) ([]Paced, error) {
	fake := providertest.NewOpenAI()
	defer fake.Close()
	fake.SetRecording(false)
	fake.SetDefault(providertest.Script{Delay: 5 * time.Millisecond})
	doc := e2e.Profile("failover", nil, e2e.OpenAIBucket(fake.URL))
	in, err := newInProcess(ctx, doc)
	if err != nil {
		return nil, err
	}
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
		defer s.close()
		paths = append(paths, struct {
			name string
			r    runner
		}{mode, s})
	}
	var out []Paced
	for _, p := range paths {
		samples(ctx, p.r, 5)
		t, _, errs, first := samples(ctx, p.r, e.n(100, 15))
		if errs > 0 {
			return nil, fmt.Errorf("bench: paced %s: %d errors, first: %v", p.name, errs, first)
		}
		out = append(out, Paced{Path: p.name, TTFT: dist(t)})
	}
	return out, nil
}
