package openai

import (
	"context"
	"net/http"

	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/llxprt/llxprt-ls/providers"
)

// streamResponses runs one Responses API stream. Its stop events are
// response.completed and response.incomplete; response.failed and `error`
// are classified errors; anything else ending the stream is incomplete.
func (c *Client) streamResponses(ctx context.Context, req *providers.Request, opts []option.RequestOption, yield func(providers.Event, error) bool) {
	var raw *http.Response
	opts = append(opts, option.WithResponseInto(&raw))
	s := c.resp.NewStreaming(ctx, c.responsesParams(req), opts...)
	defer s.Close()
	for s.Next() {
		ev := s.Current()
		var out providers.Event
		switch ev.Type {
		case "response.output_text.delta", "response.refusal.delta":
			out = providers.Event{Kind: providers.EventText, Text: ev.Delta}
		case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
			out = providers.Event{Kind: providers.EventThinking, Text: ev.Delta}
		case "response.completed":
			c.finishResponse(ev.Response, "stop", yield)
			return
		case "response.incomplete":
			reason := ev.Response.IncompleteDetails.Reason
			if reason == "content_filter" {
				yield(providers.Event{}, c.filtered(reason))
				return
			}
			if reason == "" {
				reason = "incomplete"
			}
			c.finishResponse(ev.Response, reason, yield)
			return
		case "response.failed":
			yield(providers.Event{}, c.streamError([]byte(ev.Response.Error.RawJSON()), nil))
			return
		case "error":
			yield(providers.Event{}, c.streamError([]byte(ev.RawJSON()), nil))
			return
		default:
			continue
		}
		if out.Text != "" && !yield(out, nil) {
			return
		}
	}
	if err := s.Err(); err != nil {
		yield(providers.Event{}, c.toProviderErr(ctx, err, raw))
		return
	}
	yield(providers.Event{}, c.incomplete())
}

// finishResponse yields the usage a terminal event carries and the done event.
func (c *Client) finishResponse(r responses.Response, reason string, yield func(providers.Event, error) bool) {
	u := providers.Usage{
		InputTokens:  int(r.Usage.InputTokens),
		OutputTokens: int(r.Usage.OutputTokens),
		CachedTokens: int(r.Usage.InputTokensDetails.CachedTokens),
	}
	if !yield(providers.Event{Kind: providers.EventUsage, Usage: &u}, nil) {
		return
	}
	yield(providers.Event{Kind: providers.EventDone, Text: reason}, nil)
}
