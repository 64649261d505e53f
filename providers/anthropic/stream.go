package anthropic

import (
	"context"
	"iter"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/llxprt/llxprt-ls/providers"
)

// Stream sends req to the Messages API with "stream": true and yields
// thinking and text deltas as they arrive, then one EventUsage with the
// totals and EventDone with the stop reason. It stops at the first error,
// always a *providers.Error. Breaking out of the range, or cancelling ctx,
// closes the HTTP response at once.
func (c *Client) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		params, err := buildParams(req)
		if err != nil {
			yield(providers.Event{}, c.toProviderErr(ctx, err))
			return
		}
		opts, err := c.auth(ctx)
		if err != nil {
			yield(providers.Event{}, c.toProviderErr(ctx, err))
			return
		}
		stream := c.sdk.Messages.NewStreaming(ctx, params, opts...)
		defer stream.Close()
		c.read(ctx, stream, yield)
	}
}

// maxEventsAfterStop bounds how much of a body is read after message_stop.
const maxEventsAfterStop = 4

// eventStream is the part of the SDK's SSE stream the translator uses.
type eventStream interface {
	Next() bool
	Current() sdk.MessageStreamEventUnion
	Err() error
}

// read translates the SDK's events until message_stop, an error, or the
// consumer stops.
func (c *Client) read(ctx context.Context, stream eventStream, yield func(providers.Event, error) bool) {
	var (
		usage   providers.Usage
		stop    string
		stopped bool
	)
	for !stopped && stream.Next() {
		ev := stream.Current()
		switch ev.Type {
		case "message_start":
			// Anthropic's input_tokens counts only the uncached part; the
			// neutral InputTokens is every input token (as OpenAI and Gemini
			// report it, and as models.Cost prices it).
			u := ev.Message.Usage
			usage = providers.Usage{
				InputTokens:  int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens),
				OutputTokens: int(u.OutputTokens),
				CachedTokens: int(u.CacheReadInputTokens),
			}
		case "content_block_delta":
			var out providers.Event
			switch ev.Delta.Type {
			case "text_delta":
				out = providers.Event{Kind: providers.EventText, Text: ev.Delta.Text}
			case "thinking_delta":
				out = providers.Event{Kind: providers.EventThinking, Text: ev.Delta.Thinking}
			default: // signature_delta, input_json_delta, citations_delta
				continue
			}
			if out.Text != "" && !yield(out, nil) {
				return
			}
		case "message_delta":
			stop = string(ev.Delta.StopReason)
			// output_tokens is cumulative; newer API versions also repeat
			// the input counts here, which then win over message_start's.
			u := ev.Usage
			usage.OutputTokens = int(u.OutputTokens)
			if u.JSON.InputTokens.Valid() && u.InputTokens > 0 {
				usage.InputTokens = int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens)
			}
			if u.JSON.CacheReadInputTokens.Valid() && u.CacheReadInputTokens > 0 {
				usage.CachedTokens = int(u.CacheReadInputTokens)
			}
		case "message_stop":
			stopped = true
		}
	}
	if !stopped {
		err := stream.Err()
		if err == nil {
			err = providers.ErrIncompleteStream
		}
		yield(providers.Event{}, c.toProviderErr(ctx, err))
		return
	}
	// Read to the end of the body (nothing but the closing chunk follows
	// message_stop) so the connection goes back to the pool instead of being
	// torn down by an early close. A server that keeps talking after its
	// stop event gets a few events' grace, then the close.
	for i := 0; i < maxEventsAfterStop && stream.Next(); i++ {
	}
	if !yield(providers.Event{Kind: providers.EventUsage, Usage: &usage}, nil) {
		return
	}
	if stop == "refusal" {
		yield(providers.Event{}, c.toProviderErr(ctx, errRefusal))
		return
	}
	yield(providers.Event{Kind: providers.EventDone, Text: stop}, nil)
}
