// Package anthropic is the Anthropic Messages API adapter, built on the
// official SDK (github.com/anthropics/anthropic-sdk-go). [New] builds a
// [Client] from a providers.Config; [Client.Stream] sends one request with
// "stream": true and yields its events through a push iterator (no
// goroutines, no channels: breaking out of the range closes the response).
// [Client.Models] lists the endpoint's models.
//
// # Client
//
// The SDK's retries are off (the balancer retries and fails over) and it
// reads nothing from the environment: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
// and SDK profiles are ignored, the profile layer is the only source of
// credentials. Config.APIKey goes in x-api-key; Config.Token, when set, is
// called on every request and sent as "Authorization: Bearer" with no
// x-api-key. anthropic-version is the SDK's (2023-06-01). Config.BaseURL may
// carry a path prefix (a proxy); "/v1/messages" is appended. Without
// Config.HTTPClient the transport's dial, TLS-handshake and response-header
// timeouts are Config.Timeout (the profile's socket-timeout), never a
// whole-body timeout, and up to 64 idle connections per host stay open.
//
// # Request mapping
//
//	Request.Model           model
//	Request.System          system: [{type: text, text}]
//	Request.Messages        messages: [{role: user|assistant, content: [{type: text, text}]}]
//	Params.MaxTokens        max_tokens; absent or 0 → 8192 ([DefaultMaxTokens]; the API requires it)
//	Params.Temperature      temperature, clamped to Anthropic's range [0, 1]
//	Params.TopP             top_p
//	Params.TopK             top_k
//	Params.Stop             stop_sequences
//	Params.Seed             dropped: the Messages API has no seed
//	Params.Thinking         thinking: {type: enabled, budget_tokens} | {type: adaptive} | {type: disabled}
//	Params.Extra            every key into the body unchanged (it replaces a mapped field of the same name)
//
// Messages with no non-whitespace text are left out (the API refuses empty
// text blocks; an empty turn is usually a reply that failed earlier), and a
// final assistant message (a prefill) loses its trailing whitespace, which
// the API also refuses.
//
// Extended thinking has rules of its own, applied so a profile does not turn
// into a 400: budget_tokens is at least 1024 ([MinThinkingBudget], also when
// absent); max_tokens must exceed the budget, so a smaller one becomes
// budget + 1024 ([ThinkingHeadroom]); temperature and top_k are dropped (the
// API only allows the defaults with thinking on, for "adaptive" too), and
// top_p is dropped when below 0.95. Extra keys are sent as given: the API
// rejects unknown top-level fields with a 400, which is then the user's
// explicit choice, while seed is ours to drop.
//
// # Events
//
// thinking_delta → EventThinking, text_delta → EventText (empty deltas and
// signature/tool/citation deltas are skipped). Usage: InputTokens is
// input_tokens + cache_creation_input_tokens + cache_read_input_tokens
// (Anthropic's input_tokens leaves the cached part out; the neutral count
// includes it) and cache_read_input_tokens → CachedTokens, from
// message_start; output_tokens
// from message_delta (whose input counts win when a newer API version
// repeats them there). After message_stop come one EventUsage and
// EventDone with stop_reason as Text ("end_turn", "max_tokens",
// "stop_sequence", …). A stream that ends without message_stop is a
// KindNetwork error wrapping providers.ErrIncompleteStream; stop_reason
// "refusal" (the streaming safety classifiers) is a KindContentFiltered
// error after the usage.
//
// # Errors
//
// Every error is a *providers.Error from one function, toProviderErr, using
// providers.StatusError for API errors. Anthropic's errors can also arrive
// inside an HTTP 200, as an "event: error" in the stream; their type stands
// in for the status:
//
//	400 invalid_request_error  bad_request; context_too_long when "prompt is too long: N tokens > M maximum";
//	                           billing when "credit balance is too low"
//	401 authentication_error   auth
//	402 billing_error          billing
//	403 permission_error       auth
//	404 not_found_error        bad_request
//	413 request_too_large      context_too_long
//	429 rate_limit_error       rate_limited; RetryAfter from retry-after-ms, Retry-After, or the
//	                           anthropic-ratelimit-*-reset headers (those only on a 429: the API sends
//	                           them on every reply)
//	500 api_error              server
//	503 api_error              overloaded (the status wins)
//	504 timeout_error          server
//	529 overloaded_error       overloaded (the type wins whatever the status)
//
// Below HTTP: a cancelled ctx is canceled, a passed deadline or socket
// timeout is timeout, refused/reset/EOF/a cut stream/a malformed event line is
// network, a failing Config.Token is auth. A request without a model or
// messages, or with a role other than user/assistant, is bad_request and is
// never sent. Messages carry the error type, the vendor's text and the
// request-id; never a credential.
//
// # Benchmark
//
// BenchmarkStream10k (10,000 text chunks from providertest.NewAnthropic in
// the same process, `go test -bench Stream10k -benchtime=3x -benchmem`), on
// a shared 2-core AMD EPYC VM (load average ~10 from other builds), Go 1.26:
// 66,000–113,000 events/s, 24 allocs and 2.7 KB per event. The allocations
// are the SDK's reflection-based JSON decoding of each event (apijson,
// gjson); the adapter and the fake server add none per event.
package anthropic
