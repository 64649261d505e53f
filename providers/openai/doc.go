// Package openai is the adapter for OpenAI and every OpenAI-compatible
// endpoint: Qwen (DashScope compatible mode), OpenRouter, DeepSeek, xAI,
// Groq, Mistral, Ollama, LM Studio, llama.cpp server, vLLM, or any base URL.
// It is built on github.com/openai/openai-go/v3 with the SDK's retries off
// (the balancer owns retries). Build one with [New]; [Providers] and
// [DefaultBaseURL] list the provider ids it serves. Besides
// providers.Provider, a [Client] offers [Client.Models] (GET /models, for a
// model list) and [Client.CloseIdleConnections] (for a client being dropped).
//
// # Endpoints and credentials
//
//	provider id        default base URL
//	openai             https://api.openai.com/v1
//	qwen               https://dashscope-intl.aliyuncs.com/compatible-mode/v1
//	openrouter         https://openrouter.ai/api/v1
//	deepseek           https://api.deepseek.com/v1
//	xai                https://api.x.ai/v1
//	groq               https://api.groq.com/openai/v1
//	mistral            https://api.mistral.ai/v1
//	ollama             http://127.0.0.1:11434/v1
//	lmstudio           http://127.0.0.1:1234/v1
//	llamacpp           http://127.0.0.1:8080/v1
//	vllm               http://127.0.0.1:8000/v1
//	openai-compatible  none: a base URL is required
//
// Config.BaseURL overrides the default (Qwen's mainland-China endpoint is
// https://dashscope.aliyuncs.com/compatible-mode/v1). Any other provider id
// is accepted when a base URL is given. The key goes in
// `Authorization: Bearer <key>`; Config.Token, when set, is called per
// request and wins over the key. With neither, no Authorization header is
// sent. Nothing is read from the environment (the SDK's OPENAI_API_KEY and
// OPENAI_BASE_URL defaults are bypassed): the profile layer owns credentials.
//
// # Which API
//
// Chat Completions, streamed with stream_options.include_usage so usage
// arrives in the last chunk, unless the request goes to the Responses API:
// Config.API == "responses", or, for provider "openai" only, a model that
// exists only there (*-pro such as o1-pro, o3-pro, gpt-5-pro and their dated
// snapshots; *codex*; *deep-research*; *computer-use*). Config.API == "chat"
// forces Chat Completions. Other providers are never routed by model name
// (Qwen's qwen3-coder-pro is a chat model).
//
// # Parameter mapping
//
// "Reasoning model" means o1*, o3*, o4*, gpt-5* except gpt-5*-chat*, matched
// on the model name as given (a router's "openai/o3" maps its own params).
//
//	Params         Chat Completions                         Responses API
//	System         system message; developer message for    instructions
//	               reasoning models on provider "openai"
//	Messages       user / assistant messages                input: easy messages (user/assistant)
//	MaxTokens      max_tokens; max_completion_tokens for    max_output_tokens
//	               reasoning models
//	Temperature    temperature; dropped for reasoning        same; also dropped for the
//	TopP           top_p      models (they reject them)      responses-only models
//	Thinking       reasoning_effort on reasoning models;    reasoning {effort, summary:"auto"} on
//	               ignored elsewhere (Qwen: set             reasoning models; ignored elsewhere
//	               enable_thinking / thinking_budget in
//	               modelParams, they pass through)
//	               budget_tokens → effort: 0 (unset) medium, ≤2048 low, ≤16384 medium, else high;
//	               type "disabled" sends nothing
//	TopK           top_k for every provider except openai  same
//	               and mistral (no such field; dropped)
//	Stop           stop (list); dropped for reasoning       dropped (no field)
//	               models (they reject it)
//	Seed           seed; random_seed on mistral             dropped (no field)
//	Extra          every key into the body unchanged; an    same
//	               Extra key wins over a mapped field
//	(always)       stream_options {include_usage: true},    store: false
//	               except mistral (422s on it and sends
//	               usage anyway)
//
// # Events
//
// Chat: delta.content → text; delta.reasoning_content or delta.reasoning
// (DeepSeek, Qwen, vLLM, OpenRouter, Ollama) → thinking; delta.refusal →
// text. The stop event is a choice's finish_reason (its value is the done
// event's text); usage is the last usage object seen (DeepSeek's
// prompt_cache_hit_tokens count as cached). Responses:
// response.output_text.delta and refusal.delta → text;
// response.reasoning_summary_text.delta and reasoning_text.delta →
// thinking; response.completed → usage, done "stop"; response.incomplete →
// usage, done with its reason (e.g. "max_output_tokens"). One usage event
// then done end every successful stream; a stream without a usage object
// reports zeros.
//
// # Errors
//
// toProviderErr is the single conversion. On top of the shared table
// (providers.KindForStatus):
//
//	429 insufficient_quota ("exceeded your current quota")   billing
//	400 context_length_exceeded / "maximum context length"   context_too_long
//	4xx content_policy_violation, invalid_prompt, …         content_filtered
//	finish_reason "content_filter", incomplete content_filter content_filtered
//	429 without Retry-After: "Please try again in 20s."      RetryAfter 20s
//	non-JSON error body (proxy HTML, {"error":"text"})       classified by status
//	stream ends without finish_reason / response.completed   network (providers.ErrIncompleteStream)
//
// Errors can also arrive inside an HTTP 200 stream: a chunk
// `data: {"error":{…}}` (Chat), an `error` event or `response.failed`
// (Responses). They carry no status, so one is inferred from the code or
// type (rate_limit_exceeded → 429, invalid_api_key → 401,
// invalid_request_error and context_length_exceeded → 400, an "overloaded"
// message → 503, a numeric code as sent by vLLM and OpenRouter → that
// status, anything else → 500) and classified like the same error before the
// stream. The configured key is scrubbed from every vendor message.
//
// # Performance
//
// BenchmarkStream10k streams 10,000 chunks from providertest on 127.0.0.1
// (go test -bench Stream10k -benchtime=3x; AMD EPYC, 2 cores shared with
// other work, 2026-11-25; the fake server runs in the same process and is
// counted):
//
//	Chat Completions   24,000–37,000 events/s   62 allocs/event
//	Responses API      24,000–48,000 events/s   49 allocs/event
//
// About 80% of the allocations are the SDK's reflection-based JSON decoding
// of each chunk (internal/apijson); the adapter adds none per event beyond
// the event itself. A real model streams a few hundred events per second.
package openai
