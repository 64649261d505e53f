package gemini

import (
	"context"
	"iter"

	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
)

// blockReasons are the finish reasons with which Google withholds an answer
// for safety or policy. With no text streamed before, they are a
// KindContentFiltered error; after some text, the answer was cut short and
// the stream ends with EventDone carrying the reason.
var blockReasons = map[genai.FinishReason]bool{
	genai.FinishReasonSafety:                 true,
	genai.FinishReasonRecitation:             true,
	genai.FinishReasonBlocklist:              true,
	genai.FinishReasonProhibitedContent:      true,
	genai.FinishReasonSPII:                   true,
	genai.FinishReasonImageSafety:            true,
	genai.FinishReasonImageProhibitedContent: true,
	genai.FinishReasonImageRecitation:        true,
}

// Stream sends req to streamGenerateContent and yields thinking and text
// deltas as they arrive, then one EventUsage and EventDone with the finish
// reason ("STOP", "MAX_TOKENS", …). It stops at the first error, always a
// *providers.Error. Breaking out of the range closes the HTTP response.
func (c *Client) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		model, contents, cfg, err := c.convert(req)
		if err != nil {
			yield(providers.Event{}, err)
			return
		}
		meta := &respMeta{}
		ctx := context.WithValue(ctx, metaKey{}, meta)
		var (
			usage   *genai.GenerateContentResponseUsageMetadata
			finish  genai.FinishReason
			content bool // some thinking or text was yielded
		)
		for resp, err := range c.genai.Models.GenerateContentStream(ctx, model, contents, cfg) {
			if err != nil {
				if finish != "" {
					break // the answer is complete; a late fault changes nothing
				}
				yield(providers.Event{}, c.toProviderErr(ctx, err, meta))
				return
			}
			if resp.UsageMetadata != nil {
				usage = resp.UsageMetadata
			}
			if pf := resp.PromptFeedback; pf != nil && pf.BlockReason != "" {
				yield(providers.Event{}, c.contentFiltered("prompt blocked", string(pf.BlockReason), pf.BlockReasonMessage))
				return
			}
			if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
				continue
			}
			cand := resp.Candidates[0]
			if cand.Content != nil {
				for _, p := range cand.Content.Parts {
					if p == nil || p.Text == "" {
						continue
					}
					ev := providers.Event{Kind: providers.EventText, Text: p.Text}
					if p.Thought {
						ev.Kind = providers.EventThinking
					}
					content = true
					if !yield(ev, nil) {
						return
					}
				}
			}
			if r := cand.FinishReason; r != "" && r != genai.FinishReasonUnspecified && finish == "" {
				if blockReasons[r] && !content {
					yield(providers.Event{}, c.contentFiltered("answer blocked", string(r), cand.FinishMessage))
					return
				}
				finish = r
			}
		}
		if finish == "" {
			if err := ctx.Err(); err != nil {
				yield(providers.Event{}, c.toProviderErr(ctx, err, meta))
				return
			}
			yield(providers.Event{}, &providers.Error{Provider: c.name, Kind: providers.KindNetwork, Err: providers.ErrIncompleteStream})
			return
		}
		if !yield(providers.Event{Kind: providers.EventUsage, Usage: toUsage(usage)}, nil) {
			return
		}
		yield(providers.Event{Kind: providers.EventDone, Text: string(finish)}, nil)
	}
}

// toUsage maps usageMetadata: input is promptTokenCount (which includes the
// cached tokens, also reported apart as CachedTokens), output is
// candidatesTokenCount plus thoughtsTokenCount (Google bills thinking as
// output but counts it apart).
func toUsage(u *genai.GenerateContentResponseUsageMetadata) *providers.Usage {
	if u == nil {
		return &providers.Usage{}
	}
	return &providers.Usage{
		InputTokens:  int(u.PromptTokenCount),
		OutputTokens: int(u.CandidatesTokenCount + u.ThoughtsTokenCount),
		CachedTokens: int(u.CachedContentTokenCount),
	}
}
