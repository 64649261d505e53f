package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/server"
)

// RunOptions tune the `llxprt-ls demo` show.
type RunOptions struct {
	Requests int  // how many requests (default 12)
	Fast     bool // no pacing or pauses: for tests and scripts
	Color    bool // ANSI colour and a spinner (stdout is a terminal)
	Logger   zerolog.Logger
}

// step is one act of the show: from request From on, Scene is in force.
type step struct {
	From  float64 // fraction of the requests
	Scene Scene
	Say   string
	// PauseFor names a bucket whose cooldown or open circuit the show lets
	// pass before the act: pacing for the story, not for the balancer,
	// which serves every request either way.
	PauseFor string
}

var story = []step{
	{0, Scene{}, "All three providers are healthy: the failover policy uses the first bucket.", ""},
	{0.17, Scene{PrimaryDown: true}, "Anthropic starts answering 529 overloaded. Watch the balancer fail over, then open the circuit.", ""},
	{0.42, Scene{PrimaryDown: true, BackupLimited: true}, "OpenAI now rate-limits too (429 with Retry-After): it is cooled down, not hammered.", ""},
	{0.67, Scene{PrimaryDown: true, LastResortHangs: true}, "Gemini, the last resort, now hangs before its first token while OpenAI cools down: the first-token timeout gives up on Gemini and the balancer goes back to the buckets that freed meanwhile (or waits for the soonest).", ""},
	{0.84, Scene{}, "Every provider recovers; the primary's circuit lets one probe through and closes.", "anthropic/claude-sonnet-4-5"},
}

// Run plays the show: it starts the simulated providers, sends Requests
// chat requests through a real Service while switching outages on and off,
// prints which bucket served each one and why others were skipped, then the
// stats table.
func Run(ctx context.Context, w io.Writer, o RunOptions) error {
	if o.Requests <= 0 {
		o.Requests = 12
	}
	pace, pause, ftt, retry := 30*time.Millisecond, 500*time.Millisecond, 800*time.Millisecond, 2*time.Second
	if o.Fast {
		pace, pause, ftt, retry = 0, 0, 300*time.Millisecond, time.Second
	}
	env, err := Start(ctx, Options{Pace: pace, FirstTokenTimeout: ftt, RetryAfter: retry})
	if err != nil {
		return err
	}
	defer env.Close()
	dir, err := os.MkdirTemp("", "llxprt-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	svc, err := server.New(ctx, server.Options{ConfigDir: dir, Inline: env.Profile, InlineName: "demo", Logger: o.Logger, NoWatch: true, NoSessions: true})
	if err != nil {
		return err
	}
	defer svc.Close()

	p := &printer{w: w, color: o.Color}
	p.title("llxprt-ls demo: one profile, three simulated providers, scripted outages (no keys, no network)")
	for _, b := range svc.Status().Buckets {
		p.linef("  bucket %-36s %s", b.Name, p.dim(b.Note))
	}
	act := -1
	for i := range o.Requests {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for act+1 < len(story) && float64(i) >= story[act+1].From*float64(o.Requests) {
			act++
			p.waitCooldown(ctx, svc, story[act].PauseFor)
			env.SetScene(story[act].Scene)
			p.linef("")
			p.linef("%s", p.bold("▸ "+story[act].Say))
			sleep(ctx, pause)
		}
		p.request(ctx, svc, i+1, o.Requests)
	}
	p.linef("")
	p.stats(svc.Status())
	return nil
}

// oneLine keeps the spinner on one terminal line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// printer writes the show; mu keeps the spinner and the lines apart.
type printer struct {
	w     io.Writer
	color bool
	mu    sync.Mutex
	// live is what the spinner shows after the request number: the latest
	// failover of the request in flight.
	live atomic.Pointer[string]
}

func (p *printer) linef(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *printer) bold(s string) string  { return p.paint("1", s) }
func (p *printer) dim(s string) string   { return p.paint("2", s) }
func (p *printer) green(s string) string { return p.paint("32", s) }
func (p *printer) red(s string) string   { return p.paint("31", s) }
func (p *printer) yellow(s string) string {
	return p.paint("33", s)
}

func (p *printer) title(s string) { p.linef("%s", p.bold(s)) }

// request sends one prompt, with a spinner on a terminal, and prints how it
// was served.
func (p *printer) request(ctx context.Context, svc *server.Service, n, total int) {
	empty := ""
	p.live.Store(&empty)
	unsub := svc.Subscribe(func(ev server.StatusEvent) {
		if ev.Failover != nil {
			msg := "· " + ev.Message
			p.live.Store(&msg)
		}
	})
	stop := p.spin(n, total)
	start := time.Now()
	res, err := svc.Chat(ctx, server.ChatRequest{Prompt: fmt.Sprintf("Request %d: summarise the last commit.", n)}, nil)
	stop()
	unsub()
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		var ex *balancer.ExhaustedError
		if errors.As(err, &ex) {
			p.linef("  #%-2d %s", n, p.red("✗ no bucket could serve it"))
			for _, b := range ex.Buckets {
				p.linef("       %s %-34s %s", p.red("· "+b.State), b.Bucket, p.dim(b.Reason))
			}
			return
		}
		p.linef("  #%-2d %s %s", n, p.red("✗ failed"), err)
		return
	}
	for _, a := range res.Attempts {
		if a.Outcome == "served" {
			continue
		}
		p.linef("       %s %-34s %s", p.yellow("↷ "+a.Outcome), a.Bucket, p.dim(a.Reason))
	}
	note := ""
	if res.Failovers > 0 {
		note = p.yellow(fmt.Sprintf("after %d failover(s)", res.Failovers))
	}
	p.linef("  #%-2d %s %-34s %7s  %s", n, p.green("✓"), res.Bucket, took, note)
}

// waitCooldown waits until bucket's cooldown and open circuit are over,
// saying so, so the next act can show what it describes (the primary's
// half-open probe); the requests would be served without it.
func (p *printer) waitCooldown(ctx context.Context, svc *server.Service, bucket string) {
	if bucket == "" {
		return
	}
	for _, b := range svc.Status().Buckets {
		if b.Name != bucket {
			continue
		}
		var until time.Time
		why := "Retry-After"
		if b.CooldownUntil != nil {
			until = *b.CooldownUntil
			if strings.Contains(b.CooldownReason, "circuit") {
				why = "circuit recovery timeout"
			}
		}
		if b.CircuitOpenUntil != nil && b.CircuitOpenUntil.After(until) {
			until, why = *b.CircuitOpenUntil, "circuit recovery timeout"
		}
		if d := time.Until(until); d > 0 {
			p.linef("%s", p.dim(fmt.Sprintf("  (the show pauses %.1fs for %s's %s to pass)", d.Seconds(), bucket, why)))
			sleep(ctx, d+50*time.Millisecond)
		}
	}
}

// spin shows "⠋ request 3/12" until stop is called (terminal only).
func (p *printer) spin(n, total int) (stop func()) {
	if !p.color {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		t := time.NewTicker(80 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			p.mu.Lock()
			fmt.Fprintf(p.w, "\r\x1b[K  %c request %d/%d … %s", frames[i%len(frames)], n, total, p.dim(oneLine(*p.live.Load(), 90)))
			p.mu.Unlock()
			select {
			case <-done:
				p.mu.Lock()
				fmt.Fprint(p.w, "\r\x1b[K")
				p.mu.Unlock()
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// stats prints the balancer's per-bucket table.
func (p *printer) stats(st server.Status) {
	p.linef("%s", p.bold("Stats per bucket"))
	p.mu.Lock()
	defer p.mu.Unlock()
	tw := tabwriter.NewWriter(p.w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  BUCKET\tREQUESTS\tSERVED\tFAILURES\tSTATE\tCIRCUIT\tP50 MS")
	for _, b := range st.Buckets {
		var fails []string
		for k, v := range b.Failures {
			fails = append(fails, fmt.Sprintf("%s×%d", k, v))
		}
		slices.Sort(fails)
		f := strings.Join(fails, " ")
		if f == "" {
			f = "-"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\t%.0f\n", b.Name, b.Requests, b.Successes, f, b.State, b.Circuit, b.LatencyP50Ms)
	}
	_ = tw.Flush()
	fmt.Fprintf(p.w, "\nlast served by %s. Try it in your editor: llxprt-ls lsp --demo, or llxprt-ls mcp --demo.\n", st.LastServed)
}
