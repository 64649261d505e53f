// Package balancer spreads each request over a profile's buckets (provider +
// model + params) and fails over between them, so an editor keeps getting
// answers when a provider is down, rate-limited or slow. A [*Balancer], built
// by [New], is itself a providers.Provider: the server above it never knows
// how many buckets there are.
//
// # Routing
//
// A policy orders the buckets for each request ([Policies]: failover,
// round-robin, random, weighted, latency); the run then walks that order,
// skipping buckets that may not be tried — disabled after an auth or billing
// failure, cooling down after a rate limit, circuit open, too small a context
// window, over tpm_threshold — and retrying a bucket (failover_retry_count
// attempts in all) only for plain server faults. A rate limit puts the bucket
// (and its quota group) in cooldown for its Retry-After or reset header; a
// second cooldown never shortens a longer one. A bad request is returned
// without failover; context-too-long moves on to a bucket with a larger
// window. When every bucket is cooling down or open the run waits for the
// soonest if it frees within the request's remaining time (the deadline, else
// max_wait_ms; max_wait_ms 0 never waits), announcing the wait as a
// [Waiting] event, else fails at once with an [*ExhaustedError] that lists
// every bucket, its state, why, and when it frees. The same holds after failures
// within a request: once a pass has ended, a bucket with attempts left that
// a cooldown or open circuit kept out is tried at once if it freed meanwhile
// (say while another bucket hung until first_token_timeout_ms), else waited
// for within that remaining time; passes are bounded by buckets × attempts.
// A caller's cancel is never counted against a bucket and never retried.
//
// Failover is invisible until the first content event (text or thinking)
// reaches the caller; events before it are held back. After it, a failure
// ends the stream with the classified error and what was delivered stays.
// With hedge_after_ms the attempt runs on its own goroutine and, if it has
// sent no content by then, the next available bucket starts beside it; the
// first to send content wins and the other is cancelled. Every request can
// return its routing [Trace] ([Balancer.StreamTrace]) and every decision goes
// to an observer as an [Event]. [Balancer.Stats] has per-bucket counters,
// latency and time-to-first-token percentiles, tokens and cost.
//
// All settings, with units and defaults, are in SETTINGS.md; [ParseSettings]
// reads them from a profile.
//
// # Choices
//
//   - Circuit breaker: our own (health.go, ~100 lines) rather than
//     sony/gobreaker/v2. gobreaker's TwoStepCircuitBreaker has the right shape
//     for streams, but it reads time.Now itself (no injectable clock, so
//     WithClock-driven tests could not move it), keeps its expiry private (so
//     an open circuit could not be published through [SharedState] as a
//     cooldown until its half-open time), and counts in fixed buckets rather
//     than "N failures within the window". Ours takes the balancer's clock,
//     lets exactly one half-open probe through, and gives the probe back
//     unjudged when its attempt ends for a reason that says nothing about the
//     bucket (cancel, bad request).
//   - Backoff: cenkalti/backoff/v5's ExponentialBackOff (factor 2, capped by
//     failover_retry_max_delay_ms, no randomization) gives the ceiling; the
//     balancer applies full jitter (uniform in [0, ceiling]) with its own
//     injectable randomness, so tests are deterministic. A Retry-After
//     never leads to a same-bucket retry: it becomes a cooldown, which the
//     wait-for-soonest logic honours within the request's deadline.
//   - Token estimate: a documented heuristic ([EstimateTokens]: ASCII at four
//     bytes a token, other characters at two) rather than tiktoken-go, whose
//     embedded vocabularies add ~8 MB to the binary and are exact only for
//     OpenAI models anyway. It runs only when the request's byte length
//     exceeds the smallest known window (a token is at least one byte, so
//     below that every window fits): the hot path is a length sum. It leans
//     low, because a vendor's context-too-long fails over anyway.
//   - Model windows and prices: providers/models, from charm.land/catwalk's
//     embedded catalogue.
//
// # Figures
//
// Measured on the shared 2-core AMD EPYC dev box (go test -bench, three
// runs of 200 000 requests each, load average ≈ 10 from other builds, so
// these are upper bounds):
//
//	BenchmarkBalancerOverhead (3 buckets, in-process instant provider)
//	  1.0–1.5 µs/op, 5 allocs/op, 1.1 KB/op, every policy alike;
//	  the bare provider call is 50–65 ns and 2 allocs, so the balancer
//	  adds ≈1–1.4 µs and 3 allocs (target < 2 µs, < 10 allocs).
//	  Most of it is clock reads (this VM's time.Now is slow) and the
//	  per-request state.
//	BenchmarkBalancerOverheadTimeouts (first-token + idle watchdog, trace)
//	  1.4–2.7 µs/op, 12 allocs/op.
//	BenchmarkFailoverInProcess (503 on bucket 1, bucket 2 serves)
//	  2.1–2.7 µs/op, 20 allocs/op.
//	BenchmarkFailover503Loopback (real adapters, providertest on 127.0.0.1)
//	  from bucket 1's 503 reaching the balancer to bucket 2's request
//	  reaching its server: 0.12–0.14 ms (target < 1 ms);
//	  the whole request, both HTTP calls included: 0.63–0.75 ms.
//
// Tests: in-process fakes under testing/synctest for every timer (cooldowns,
// breakers, first-token and idle timeouts, hedging, waits), a table of every
// policy × fault through the real adapters and their fake wires, and
// pgregory.net/rapid properties over random outcome sequences.
package balancer
