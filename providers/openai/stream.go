package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/respjson"

	"github.com/llxprt/llxprt-ls/providers"
)

// streamChat runs one Chat Completions stream. The stop event is a choice's
// finish_reason: some OpenAI-compatible servers omit `data: [DONE]`, none
// omits finish_reason, and a stream cut before it is incomplete. Chunks
// after it (the include_usage chunk) are still read; a cut while reading
// them is not an error.
func (c *Client) streamChat(ctx context.Context, req *providers.Request, opts []option.RequestOption, yield func(providers.Event, error) bool) {
	var raw *http.Response
	opts = append(opts, option.WithResponseInto(&raw))
	s := c.chat.NewStreaming(ctx, c.chatParams(req), opts...)
	defer s.Close()
	var (
		usage  providers.Usage
		finish string
	)
	for s.Next() {
		ch := s.Current()
		if ch.JSON.Usage.Valid() {
			usage = chatUsage(ch.Usage)
		}
		for i := range ch.Choices {
			choice := &ch.Choices[i]
			if choice.Index != 0 {
				continue // n > 1 is not asked for; ignore strays
			}
			d := &choice.Delta
			if t := reasoningText(d.JSON.ExtraFields); t != "" {
				if !yield(providers.Event{Kind: providers.EventThinking, Text: t}, nil) {
					return
				}
			}
			if d.Content != "" {
				if !yield(providers.Event{Kind: providers.EventText, Text: d.Content}, nil) {
					return
				}
			}
			if d.Refusal != "" {
				if !yield(providers.Event{Kind: providers.EventText, Text: d.Refusal}, nil) {
					return
				}
			}
			if choice.FinishReason != "" {
				finish = choice.FinishReason
			}
		}
	}
	if err := s.Err(); err != nil {
		// Once finish_reason has arrived the answer is whole: a connection
		// cut while reading the trailing usage chunk or [DONE] loses only
		// the usage, as in the anthropic and gemini adapters. Failing here
		// would end a complete answer with an error and count it against
		// the bucket.
		if pe := c.toProviderErr(ctx, err, raw); finish == "" || pe.Kind != providers.KindNetwork {
			yield(providers.Event{}, pe)
			return
		}
	}
	switch finish {
	case "":
		yield(providers.Event{}, c.incomplete())
		return
	case "content_filter":
		yield(providers.Event{}, c.filtered(finish))
		return
	}
	if !yield(providers.Event{Kind: providers.EventUsage, Usage: &usage}, nil) {
		return
	}
	yield(providers.Event{Kind: providers.EventDone, Text: finish}, nil)
}

// chatUsage reads a usage object; DeepSeek reports cache hits as
// prompt_cache_hit_tokens instead of prompt_tokens_details.cached_tokens.
func chatUsage(u openai.CompletionUsage) providers.Usage {
	out := providers.Usage{
		InputTokens:  int(u.PromptTokens),
		OutputTokens: int(u.CompletionTokens),
		CachedTokens: int(u.PromptTokensDetails.CachedTokens),
	}
	if out.CachedTokens == 0 {
		if f, ok := u.JSON.ExtraFields["prompt_cache_hit_tokens"]; ok {
			var n int
			if json.Unmarshal([]byte(f.Raw()), &n) == nil {
				out.CachedTokens = n
			}
		}
	}
	return out
}

// reasoningFields are where OpenAI-compatible servers stream reasoning:
// reasoning_content (DeepSeek, Qwen, vLLM) and reasoning (OpenRouter,
// Ollama, vLLM ≥ 0.10).
var reasoningFields = [...]string{"reasoning_content", "reasoning"}

// reasoningText returns the reasoning piece a delta carries, if any. The SDK
// keeps fields it does not know as raw JSON.
func reasoningText(extra map[string]respjson.Field) string {
	if len(extra) == 0 {
		return ""
	}
	for _, k := range reasoningFields {
		f, ok := extra[k]
		if !ok {
			continue
		}
		raw := f.Raw()
		if len(raw) < 2 || raw[0] != '"' {
			continue // null, absent, or an object we do not read
		}
		if !strings.ContainsRune(raw, '\\') {
			if s := raw[1 : len(raw)-1]; s != "" {
				return s
			}
			continue
		}
		var s string
		if json.Unmarshal([]byte(raw), &s) == nil && s != "" {
			return s
		}
	}
	return ""
}
