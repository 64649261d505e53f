// Package gemini is the Gemini API adapter, built on google.golang.org/genai
// with the Gemini API backend (never Vertex AI). [New] builds a [Client] from
// a providers.Config; [Client.Stream] sends
// POST {base}/{version}/models/{model}:streamGenerateContent?alt=sse and
// yields the reply as it arrives.
//
// # Connection
//
//   - Base URL: Config.BaseURL, default [DefaultBaseURL]. A base URL that
//     ends in an API version ("https://proxy/v1", "…/v1beta") uses that
//     version; otherwise [DefaultAPIVersion] ("v1beta").
//   - Credential: Config.APIKey in the x-goog-api-key header (never in the
//     URL). Config.Token, when set, is called per request and sent as
//     "Authorization: Bearer …"; it wins and the key is then not sent. With
//     neither, no credential is sent (a proxy may add its own).
//   - The SDK is kept away from the environment: it is always given a key
//     (a placeholder the transport strips when there is none), an explicit
//     base URL and the Gemini API backend, so GOOGLE_API_KEY,
//     GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL and GOOGLE_GENAI_USE_VERTEXAI
//     change nothing, and Application Default Credentials (and Google's
//     metadata server) are never consulted. The profile layer owns
//     credential lookup.
//   - No retries: HTTPOptions.RetryOptions is nil (the SDK then sends each
//     request once) and GenerateContentConfig.AutomaticContinuation is off
//     (the SDK would otherwise re-send a dropped stream that carried a
//     continuation token). The balancer owns retries.
//   - HTTP: Config.HTTPClient when set (copied, never modified), else a
//     client whose dial and response-header timeouts are Config.Timeout
//     (the socket-timeout; a flowing stream is never cut) with 64 idle
//     connections per host. Config.Headers go on every request.
//
// # Request mapping
//
//	Request.System          systemInstruction {role: user, parts: [{text}]}
//	Message role user       contents[].role "user"
//	Message role assistant  contents[].role "model"
//	max_tokens              generationConfig.maxOutputTokens
//	temperature, top_p      generationConfig.temperature, topP (sent as float64)
//	top_k                   generationConfig.topK
//	stop                    generationConfig.stopSequences
//	seed                    generationConfig.seed (must fit 32 bits)
//	thinking budget N       generationConfig.thinkingConfig {thinkingBudget: N, includeThoughts: true}
//	thinking enabled        thinkingConfig {includeThoughts: true} (the model's default budget)
//	thinking adaptive       thinkingConfig {thinkingBudget: -1, includeThoughts: true}
//	thinking disabled       thinkingConfig {thinkingBudget: 0}
//
// No max_tokens is sent when none is set: Gemini has a default.
//
// Every other modelParams key (Params.Extra) reaches the body unchanged,
// placed by one rule:
//
//   - a key that names a field of the API's GenerationConfig, in camelCase
//     or snake_case (responseMimeType / response_mime_type, candidateCount,
//     presencePenalty, frequencyPenalty, responseSchema,
//     responseJsonSchema, responseModalities, responseLogprobs, logprobs,
//     thinkingConfig, mediaResolution, speechConfig, imageConfig,
//     enableEnhancedCivicAnswers, and the typed ones), goes into
//     generationConfig under its camelCase name, its value unchanged;
//   - "generationConfig" / "generation_config" holding an object: its keys
//     go into generationConfig as they are;
//   - every other key (safetySettings, tools, toolConfig, cachedContent, a
//     vendor flag this code has never heard of) goes to the top level of the
//     request body, name and value unchanged.
//
// Objects merge recursively with what the typed parameters produced (a
// "thinking_config": {"thinkingLevel": "high"} joins the thinking budget)
// and an Extra value wins over a typed one.
//
// # Stream
//
// Each chunk's parts become EventThinking (parts with "thought": true) or
// EventText; empty parts are skipped. The stream ends at the chunk with a
// finishReason; then come one EventUsage and EventDone with the reason as
// Text ("STOP", "MAX_TOKENS", …). Usage is the last usageMetadata: input =
// promptTokenCount (which includes the cached tokens), output =
// candidatesTokenCount + thoughtsTokenCount, cached =
// cachedContentTokenCount. A stream that ends without a finishReason is a
// KindNetwork error wrapping providers.ErrIncompleteStream.
//
// Safety: promptFeedback.blockReason (the prompt refused), or a finishReason
// SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY,
// IMAGE_PROHIBITED_CONTENT or IMAGE_RECITATION before any text, is a
// KindContentFiltered error naming the reason. When some text already
// streamed, the answer was cut short: the stream ends normally with
// EventDone "SAFETY" (etc.) so the caller keeps what it showed.
//
// # Errors
//
// Every error is a *providers.Error from one function, toProviderErr. HTTP
// errors arrive as genai.APIError (Google's {"error": {code, message,
// status, details}}); the transport records the response headers, which the
// SDK drops, so Retry-After still counts. An error object inside the HTTP
// 200 stream ("data: {"error": …}") is classified the same way, by its
// code (or its status name when the code is missing). On top of the
// neutral table in package providers:
//
//	429 RESOURCE_EXHAUSTED          rate_limited: Google words its per-minute quota
//	                                errors "check your plan and billing details"
//	429 "Your prepayment credits are depleted"
//	                                billing
//	RetryInfo retryDelay "12s"      RetryAfter 12s (the larger of it and the headers)
//	503 UNAVAILABLE "overloaded"    overloaded
//	400 "The input token count (N) exceeds the maximum number of tokens allowed (M)."
//	                                context_too_long
//	400 API_KEY_INVALID / "API key not valid", UNAUTHENTICATED, PERMISSION_DENIED
//	                                auth
//	Config.Token failing            auth (nothing is sent)
//	malformed chunk, cut, refused   network
//	caller cancel / deadline        canceled / timeout
//	a request this adapter cannot send (no model, unknown role, 64-bit seed)
//	                                bad_request, before any HTTP
//
// # Performance
//
// BenchmarkStream10k (10,000 one-word chunks from the fake server on
// 127.0.0.1, 2-core AMD EPYC VM, Go 1.26, genai v1.77.0, -benchtime=3x):
// 36,700 events/s with the machine quiet, 21,000–28,000 at load average 8;
// 137 allocs/event for the whole process either way. Nearly all of it
// (97% of allocations by pprof) is the SDK decoding each chunk to a map,
// converting it and decoding it again into GenerateContentResponse; the
// adapter adds almost nothing.
package gemini
