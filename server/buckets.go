package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/models"
)

// Answer is one bucket's reply to a prompt asked of several buckets.
type Answer struct {
	Bucket    string          `json:"bucket"`
	Provider  string          `json:"provider"`
	Model     string          `json:"model"`
	Text      string          `json:"text,omitempty"`
	Error     string          `json:"error,omitempty"`
	Kind      string          `json:"kind,omitempty"` // the error's kind
	Usage     providers.Usage `json:"usage"`
	LatencyMs float64         `json:"latencyMs"`
	TTFTMs    float64         `json:"ttftMs,omitempty"`
}

// Consensus asks every bucket of the active profile (or only those named in
// buckets, by bucket name, provider or model) the same prompt in parallel and
// returns every answer in bucket order, so a caller gets a second and third
// opinion in one call. It bypasses the balancer's routing on purpose; a
// failing bucket gives an answer with Error set, not an error.
func (s *Service) Consensus(ctx context.Context, prompt string, buckets []string) ([]Answer, error) {
	if strings.TrimSpace(prompt) == "" {
		return nil, inputErr("prompt", "empty")
	}
	if len(prompt) > s.opts.MaxPromptBytes || !utf8.ValidString(prompt) {
		return nil, inputErr("prompt", "larger than %d bytes or not valid UTF-8", s.opts.MaxPromptBytes)
	}
	a, err := s.balancerFor(ctx, "")
	if err != nil {
		return nil, err
	}
	bs, err := pickBuckets(a.built.Balancer.Buckets(), buckets)
	if err != nil {
		return nil, err
	}
	s.busy.Add(1)
	s.emit(StatusEvent{Kind: "normal", Busy: true, Message: fmt.Sprintf("asking %d buckets", len(bs)), Profile: a.display()})
	out := askAll(ctx, bs, prompt)
	left := s.busy.Add(-1)
	s.emit(StatusEvent{Kind: "normal", Busy: left > 0, Message: "consensus done", Profile: a.display()})
	if ctx.Err() != nil {
		return nil, fmt.Errorf("server: %w", context.Cause(ctx))
	}
	return out, nil
}

// ProbePrompt is what Probe asks every bucket: the recipe's check.
const ProbePrompt = "Hello, are you working?"

// Probe sends every bucket of the active profile a tiny request at once,
// each bounded by timeout (default 15 s), and reports what answered and how
// fast. Like Consensus it bypasses routing, so a bucket in cooldown is still
// asked: that is the point of a probe.
func (s *Service) Probe(ctx context.Context, timeout time.Duration) ([]Answer, error) {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	a, err := s.balancerFor(ctx, "")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	limit := 128
	out := askAll(ctx, a.built.Balancer.Buckets(), ProbePrompt, func(r *providers.Request) {
		// A short answer is enough, and a thinking budget larger than it
		// would be refused by the vendor.
		r.Params.MaxTokens, r.Params.Thinking = &limit, nil
	})
	return out, nil
}

func pickBuckets(all []balancer.Bucket, names []string) ([]balancer.Bucket, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []balancer.Bucket
	for _, n := range names {
		found := false
		for _, b := range all {
			if (b.Name == n || b.Model == n || b.Provider.Name() == n) && !slices.ContainsFunc(out, func(o balancer.Bucket) bool { return o.Name == b.Name }) {
				out = append(out, b)
				found = true
			}
		}
		if !found {
			have := make([]string, len(all))
			for i, b := range all {
				have[i] = b.Name
			}
			return nil, inputErr("buckets", "no bucket %q in the active profile (have %s)", n, strings.Join(have, ", "))
		}
	}
	return out, nil
}

// askAll sends prompt to every bucket in parallel and waits for all.
func askAll(ctx context.Context, bs []balancer.Bucket, prompt string, tweak ...func(*providers.Request)) []Answer {
	out := make([]Answer, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() {
			req := &providers.Request{Model: b.Model, Params: b.Params.Clone(), Messages: []providers.Message{{Role: providers.RoleUser, Content: prompt}}}
			for _, f := range tweak {
				f(req)
			}
			out[i] = ask(ctx, b, req)
		})
	}
	wg.Wait()
	return out
}

func ask(ctx context.Context, b balancer.Bucket, req *providers.Request) Answer {
	ans := Answer{Bucket: b.Name, Provider: b.Provider.Name(), Model: b.Model}
	start := time.Now()
	var text strings.Builder
	for ev, err := range b.Provider.Stream(ctx, req) {
		if err != nil {
			pe := providers.AsError(b.Provider.Name(), err)
			ans.Error, ans.Kind = pe.Error(), pe.Kind.String()
			break
		}
		switch ev.Kind {
		case providers.EventText:
			if ans.TTFTMs == 0 {
				ans.TTFTMs = msSince(start)
			}
			text.WriteString(ev.Text)
		case providers.EventUsage:
			if ev.Usage != nil {
				ans.Usage = *ev.Usage
			}
		}
	}
	ans.LatencyMs = msSince(start)
	ans.Text = text.String()
	return ans
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// ProviderModels is what one provider of the active profile offers.
type ProviderModels struct {
	Provider string        `json:"provider"`
	InUse    []string      `json:"inUse"` // the profile's buckets' models
	Models   []models.Info `json:"models"`
}

// ListModels lists, for every provider the active profile uses, the models
// it offers with context window and price where known (from the embedded
// catalogue; no network).
func (s *Service) ListModels(ctx context.Context) ([]ProviderModels, error) {
	a, err := s.balancerFor(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []ProviderModels
	for _, b := range a.built.Balancer.Buckets() {
		name := b.Provider.Name()
		i := slices.IndexFunc(out, func(p ProviderModels) bool { return p.Provider == name })
		if i < 0 {
			out = append(out, ProviderModels{Provider: name, Models: models.List(name)})
			i = len(out) - 1
		}
		if !slices.Contains(out[i].InUse, b.Model) {
			out[i].InUse = append(out[i].InUse, b.Model)
		}
	}
	return out, nil
}
