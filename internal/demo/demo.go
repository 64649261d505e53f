// Package demo runs simulated providers for `llxprt-ls demo`, `lsp --demo`,
// `mcp --demo` and end-to-end tests: three providertest fake servers
// (Anthropic, OpenAI, Gemini wire formats on 127.0.0.1) and a failover
// profile pointing at them, so the whole product works with no key and no
// network.
//
// The fakes answer deterministically. A chat prompt gets a short canned
// answer streamed in several chunks, naming the bucket and the turn of the
// conversation. A code-action prompt (it starts with server.ActionMarker)
// gets one fenced block: the given code with a marker comment line on top,
// "// llxprt-demo: <action>" in the code's comment syntax, so a test can
// assert the edit; for "test", whose code is added after the original, the
// block is that marker line alone ("// llxprt-demo: test (simulated tests
// for the N line(s) above)"). Outages are switched on with [Env.SetScene].
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// Scene is the set of outages in force. The zero Scene is all healthy.
type Scene struct {
	// PrimaryDown makes the Anthropic bucket answer 529 overloaded.
	PrimaryDown bool
	// BackupLimited makes the OpenAI bucket answer 429 with Retry-After.
	BackupLimited bool
	// LastResortHangs makes the Gemini bucket send headers and then
	// nothing, so the balancer's first-token timeout gives up on it.
	LastResortHangs bool
	// Flaky makes the primary fail every third request (529): in `lsp
	// --demo` and `mcp --demo` the editor sees a failover now and then.
	Flaky bool
	// Stall makes the primary send its first chunk and then nothing until
	// the client goes away: for cancellation tests.
	Stall bool
}

// Options tune the simulation.
type Options struct {
	// Pace is the delay between streamed chunks (0: as fast as possible);
	// the first chunk goes out at once.
	Pace time.Duration
	// FirstTokenTimeout is the profile's first_token_timeout_ms (how long a
	// hanging bucket holds a request). Default 1 s.
	FirstTokenTimeout time.Duration
	// RetryAfter is what the rate-limited backup asks for. Default 3 s.
	RetryAfter time.Duration
	// Scene is the starting scene.
	Scene Scene
}

// Env is a running simulation.
type Env struct {
	// Profile is the failover profile over the three fakes; JSON is its
	// document (what `profile show` would print).
	Profile *profile.Profile
	JSON    []byte

	Anthropic, OpenAI, Gemini *providertest.Server

	opts  Options
	scene atomic.Pointer[Scene]
	n     atomic.Int64 // requests seen by the primary, for Flaky
}

// Start starts the fakes and builds the profile. Close releases them.
func Start(ctx context.Context, opts ...Options) (*Env, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.FirstTokenTimeout <= 0 {
		o.FirstTokenTimeout = time.Second
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 3 * time.Second
	}
	e := &Env{opts: o, Anthropic: providertest.NewAnthropic(), OpenAI: providertest.NewOpenAI(), Gemini: providertest.NewGemini()}
	sc := o.Scene
	e.scene.Store(&sc)
	e.Anthropic.SetResponder(e.responder("anthropic"))
	e.OpenAI.SetResponder(e.responder("openai"))
	e.Gemini.SetResponder(e.responder("gemini"))

	doc := map[string]any{
		"version":  1,
		"provider": "lb",
		"model":    "claude-sonnet-4-5",
		"ephemeralSettings": map[string]any{
			"context-limit":                       200000,
			"failover_retry_count":                1,
			"first_token_timeout_ms":              o.FirstTokenTimeout.Milliseconds(),
			"circuit_breaker_failure_threshold":   2,
			"circuit_breaker_recovery_timeout_ms": 3000,
			"lb": map[string]any{
				"type": "failover",
				"buckets": []any{
					bucket("anthropic", "claude-sonnet-4-5", e.Anthropic.URL, "simulated primary: goes down with 529 overloaded"),
					bucket("openai", "gpt-5.2", e.OpenAI.URL, "simulated backup: rate-limits with 429"),
					bucket("gemini", "gemini-3-flash-preview", e.Gemini.URL, "simulated last resort: later hangs"),
				},
			},
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("demo: encode profile: %w", err)
	}
	p, err := profile.Parse(data, "demo.json")
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	e.Profile, e.JSON = p, data
	return e, nil
}

func bucket(provider, model, url, note string) map[string]any {
	return map[string]any{
		"provider":    provider,
		"model":       model,
		"base-url":    url,
		"key":         "demo-key-not-secret",
		"modelParams": map[string]any{"temperature": 0.7, "max_tokens": 1024},
		"note":        note,
	}
}

// SetScene switches the outages in force for the next requests.
func (e *Env) SetScene(s Scene) { e.scene.Store(&s) }

// Close stops the fakes; hanging requests are released.
func (e *Env) Close() {
	for _, s := range []*providertest.Server{e.Anthropic, e.OpenAI, e.Gemini} {
		if s != nil {
			s.Close()
		}
	}
}

// responder answers one vendor's requests from the current scene.
func (e *Env) responder(vendor string) func(providertest.Recorded) providertest.Script {
	return func(rec providertest.Recorded) providertest.Script {
		sc := e.scene.Load()
		switch vendor {
		case "anthropic":
			n := e.n.Add(1)
			if sc.PrimaryDown || (sc.Flaky && n%3 == 0) {
				return providertest.Script{Status: 529, ErrorType: "overloaded_error", Message: "Overloaded (simulated outage)"}
			}
			if sc.Stall {
				return providertest.Script{Text: chunks(Reply(vendor, rec)), Fault: providertest.FaultHangAfter, After: 1}
			}
		case "openai":
			if sc.BackupLimited {
				secs := strconv.Itoa(max(1, int(e.opts.RetryAfter/time.Second)))
				return providertest.Script{Status: 429, Headers: map[string]string{"Retry-After": secs}, Message: "Rate limit reached (simulated)"}
			}
		case "gemini":
			if sc.LastResortHangs {
				return providertest.Script{Fault: providertest.FaultHangAfter, After: 0}
			}
		}
		text := Reply(vendor, rec)
		return providertest.Script{Text: chunks(text), Delay: e.opts.Pace}
	}
}

// chunks splits a reply into pieces of a few words, as a model streams.
func chunks(s string) []string {
	var out []string
	var cur strings.Builder
	words := 0
	for i, r := range s {
		cur.WriteRune(r)
		if r == ' ' || r == '\n' {
			words++
		}
		if words >= 3 || (r == '\n' && i+1 < len(s) && cur.Len() > 40) {
			out = append(out, cur.String())
			cur.Reset()
			words = 0
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
