package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// chaos answers each request with one of every misbehaviour providertest
// knows, drawn from a seeded source so a failure can be replayed.
func chaos(seed uint64) func(providertest.Recorded) providertest.Script {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(providertest.Recorded) providertest.Script {
		mu.Lock()
		n, k := r.IntN(24), r.IntN(3)
		mu.Unlock()
		switch n {
		case 0:
			return providertest.Script{Status: 503}
		case 1:
			return providertest.Script{Status: 529}
		case 2:
			return providertest.Script{Status: 500}
		case 3:
			return providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": "0"}}
		case 4:
			return providertest.Script{Status: 400, Message: "fake: bad request"}
		case 5:
			return providertest.Script{Fault: providertest.FaultHangBeforeHeaders}
		case 6:
			return providertest.Script{Fault: providertest.FaultHangAfter, After: k}
		case 7:
			return providertest.Script{Fault: providertest.FaultCutAfter, After: k}
		case 8:
			return providertest.Script{Fault: providertest.FaultMalformedAfter, After: k}
		case 9:
			return providertest.Script{Fault: providertest.FaultErrorEventAfter, After: k}
		case 10:
			return providertest.Script{Fault: providertest.FaultNoStop}
		case 11:
			return providertest.Script{FirstDelay: 30 * time.Millisecond}
		case 12:
			return providertest.Script{Fault: providertest.FaultResetAfter, After: k}
		default:
			return providertest.Script{}
		}
	}
}

// soakSettings make every hang end quickly and keep the breakers cycling,
// so a few hundred requests see every state.
var soakSettings = map[string]any{
	"failover_retry_count":                2,
	"first_token_timeout_ms":              250,
	"idle_timeout_ms":                     250,
	"request_timeout_ms":                  4000,
	"rate_limit_cooldown_ms":              50,
	"circuit_breaker_failure_threshold":   3,
	"circuit_breaker_failure_window_ms":   1000,
	"circuit_breaker_recovery_timeout_ms": 100,
	"max_wait_ms":                         200,
}

// classified is what a failed request's message must look like: a provider
// error led by its kind (providers.ErrorKind), or the balancer's summary
// when no bucket could serve — never a bare transport message or a panic.
var classified = regexp.MustCompile(`^(?:(?:anthropic|openai|gemini): (?:rate_limited|overloaded|server|timeout|network|auth|billing|bad_request|context_too_long|content_filtered)\b|lb: no bucket could)`)

const soakRequests = 300 // per front end

// TestChaosSoak sends soakRequests chats through the real binary over LSP
// and over MCP while three fakes (one per wire format) misbehave at random.
// Every request must end, before its deadline, in an answer or a
// classified error; the process must survive; each bucket's stats must add
// up; and once the fakes are gone, file descriptors and goroutines must be
// back to where an idle server has them.
func TestChaosSoak(t *testing.T) {
	for i, mode := range []string{"lsp", "mcp"} {
		t.Run(mode, func(t *testing.T) { soak(t, mode, uint64(i+1)) })
	}
}

func soak(t *testing.T, mode string, seed uint64) {
	fakes := []*providertest.Server{providertest.NewAnthropic(), providertest.NewOpenAI(), providertest.NewGemini()}
	closed := false
	closeFakes := func() {
		if !closed {
			closed = true
			for _, f := range fakes {
				f.Close()
			}
		}
	}
	t.Cleanup(closeFakes)
	for i, f := range fakes {
		f.SetRecording(false)
		f.SetResponder(chaos(seed*10 + uint64(i)))
	}
	doc := Profile("round-robin", soakSettings,
		Bucket("anthropic", "claude-sonnet-4-5", fakes[0].URL),
		OpenAIBucket(fakes[1].URL),
		Bucket("gemini", "gemini-3-flash-preview", fakes[2].URL))
	cfg, err := ConfigDir(t.TempDir(), map[string]any{"chaos": doc}, "chaos")
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, mode, cfg)
	idleFDs := fds(p)
	baseline := goroutineBaseline(t, mode, cfg)

	chat := p.ChatLSP
	if mode == "mcp" {
		chat = p.ChatMCP
	}
	var (
		mu        sync.Mutex
		successes int
		failures  = map[string]int{}
	)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range soakRequests {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// The profile's request deadline is 4 s; a request still open at
			// 15 s hangs.
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			r, err := chat(ctx, fmt.Sprintf("soak %d", i))
			mu.Lock()
			defer mu.Unlock()
			var rpcErr *RPCError
			var toolErr *ToolError
			switch {
			case err == nil && r.Text != "":
				successes++
			case err == nil:
				t.Errorf("request %d: success with no text: %+v", i, r)
			case errors.As(err, &rpcErr) && mode == "lsp" && rpcErr.Code == -32803 && classified.MatchString(rpcErr.Message):
				failures[firstWords(rpcErr.Message)]++
			case errors.As(err, &toolErr) && mode == "mcp" && classified.MatchString(toolErr.Text):
				failures[firstWords(toolErr.Text)]++
			default:
				t.Errorf("request %d: not a success nor a classified error: %v", i, err)
			}
		})
	}
	wg.Wait()
	if p.ExitErr() != nil || p.Err() != nil {
		t.Fatalf("server died during the soak: %v / %v", p.ExitErr(), p.Err())
	}
	t.Logf("%s: %d successes, failures %v", mode, successes, failures)

	buckets := bucketStats(t, p, mode)
	var served int64
	for _, b := range buckets {
		var failed int64
		for _, n := range b.Failures {
			failed += n
		}
		if b.Successes+failed+b.HedgesLost != b.Requests {
			t.Errorf("bucket %s: successes %d + failures %d (%v) + hedges lost %d != requests %d",
				b.Name, b.Successes, failed, b.Failures, b.HedgesLost, b.Requests)
		}
		served += b.Successes
	}
	if served != int64(successes) {
		t.Errorf("buckets report %d successes, the client saw %d", served, successes)
	}

	// Closing the fakes closes every kept-alive connection from their side;
	// the server's pools then drop them. A descriptor still open is a leak.
	closeFakes()
	waitFor(t, "file descriptors back to the idle set", func() (bool, string) {
		extra := leaked(idleFDs, fds(p))
		return len(extra) == 0, fmt.Sprintf("open beyond the idle server's: %v", extra)
	})
	if n := goroutines(t, p); n > baseline+4 {
		t.Errorf("%d goroutines after the soak, %d in an idle server", n, baseline)
	} else {
		t.Logf("goroutines: %d after the soak, %d idle", n, baseline)
	}
}

func firstWords(s string) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(len(f), 4)], " ")
}

// bucketStats reads the per-bucket counters through the front end's own
// status request.
func bucketStats(t *testing.T, p *Proc, mode string) []balancer.BucketStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var st struct {
		Buckets []balancer.BucketStats `json:"buckets"`
	}
	if mode == "lsp" {
		raw, err := p.Call(ctx, "llxprt/status", nil)
		if err != nil || json.Unmarshal(raw, &st) != nil {
			t.Fatalf("llxprt/status: %v %s", err, raw)
		}
		return st.Buckets
	}
	raw, err := p.Call(ctx, "tools/call", map[string]any{"name": "provider_status", "arguments": map[string]any{}})
	var res struct {
		Structured struct {
			Status json.RawMessage `json:"status"`
		} `json:"structuredContent"`
	}
	if err != nil || json.Unmarshal(raw, &res) != nil || json.Unmarshal(res.Structured.Status, &st) != nil {
		t.Fatalf("provider_status: %v %s", err, raw)
	}
	return st.Buckets
}

// waitFor polls cond (a /proc reading has no event to wait on) until it
// holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("waiting for %s: %s", what, state)
			return
		}
		<-tick.C
	}
}

// goroutineBaseline starts a second server on the same profile, lets it
// answer one status request, and counts its goroutines.
func goroutineBaseline(t *testing.T, mode, cfg string) int {
	p := start(t, mode, cfg)
	bucketStats(t, p, mode)
	return goroutines(t, p)
}

// goroutines counts p's goroutines from outside: SIGQUIT makes the Go
// runtime print every goroutine's stack to stderr and exit.
func goroutines(t *testing.T, p *Proc) int {
	t.Helper()
	if err := p.Cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatalf("sigquit: %v", err)
	}
	select {
	case <-p.Exited():
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGQUIT")
	}
	dump := p.Stderr()
	n := len(regexp.MustCompile(`(?m)^goroutine \d+ [^\n]*\[`).FindAllString(dump, -1))
	if n == 0 {
		t.Fatalf("no goroutine dump on stderr:\n%s", tail(dump, 2000))
	}
	if os.Getenv("E2E_DUMP") != "" {
		t.Logf("dump:\n%s", dump)
	}
	return n
}

// fds maps each of p's descriptors to what it points at.
func fds(p *Proc) map[string]string {
	dir := fmt.Sprintf("/proc/%d/fd", p.PID())
	es, _ := os.ReadDir(dir)
	out := map[string]string{}
	for _, e := range es {
		l, _ := os.Readlink(dir + "/" + e.Name())
		out[e.Name()] = l
	}
	return out
}

// leaked lists descriptors open now that the idle server did not have. The
// profile watcher's inotify descriptor is opened asynchronously after
// start-up, so it may appear after the idle reading; it is not a leak.
func leaked(idle, now map[string]string) []string {
	var out []string
	for fd, target := range now {
		if idle[fd] != target && target != "anon_inode:inotify" {
			out = append(out, fd+"→"+target)
		}
	}
	return out
}
