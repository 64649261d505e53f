package anthropic

import (
	"encoding/json"
	"errors"
	"net/http/httptrace"
	"testing"

	"github.com/google/go-cmp/cmp"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestStreamReply(t *testing.T) {
	tests := []struct {
		name   string
		script providertest.Script
		want   []providers.Event
	}{
		{
			name: "text only",
			script: providertest.Script{
				Text:  []string{"Hello", ", ", "world", "."},
				Usage: providers.Usage{InputTokens: 12, OutputTokens: 4},
			},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "Hello"},
				{Kind: providers.EventText, Text: ", "},
				{Kind: providers.EventText, Text: "world"},
				{Kind: providers.EventText, Text: "."},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 12, OutputTokens: 4}},
				{Kind: providers.EventDone, Text: "end_turn"},
			},
		},
		{
			name: "thinking then text with cached tokens",
			script: providertest.Script{
				Thinking: []string{"The user", " greets me."},
				Text:     []string{"Hi", " there"},
				Usage:    providers.Usage{InputTokens: 30, OutputTokens: 9, CachedTokens: 20},
			},
			want: []providers.Event{
				{Kind: providers.EventThinking, Text: "The user"},
				{Kind: providers.EventThinking, Text: " greets me."},
				{Kind: providers.EventText, Text: "Hi"},
				{Kind: providers.EventText, Text: " there"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 30, OutputTokens: 9, CachedTokens: 20}},
				{Kind: providers.EventDone, Text: "end_turn"},
			},
		},
		{
			name:   "escaped text survives the wire",
			script: providertest.Script{Text: []string{"a \"quote\"\n", "<tag> & \\ \t\x01", "ünï"}, Usage: providers.Usage{InputTokens: 1, OutputTokens: 3}},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "a \"quote\"\n"},
				{Kind: providers.EventText, Text: "<tag> & \\ \t\x01"},
				{Kind: providers.EventText, Text: "ünï"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 1, OutputTokens: 3}},
				{Kind: providers.EventDone, Text: "end_turn"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFake(t)
			s.Push(tt.script)
			c := newClient(t, providers.Config{BaseURL: s.URL, APIKey: "sk-ant-test"})
			got, err := collect(t.Context(), c, hello())
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamDefaultUsage checks that usage is counted when the script names
// none: input from message_start, output from message_delta.
func TestStreamDefaultUsage(t *testing.T) {
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL})
	evs, err := collect(t.Context(), c, hello())
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	var text string
	var usage *providers.Usage
	for _, ev := range evs {
		switch ev.Kind {
		case providers.EventText:
			text += ev.Text
		case providers.EventUsage:
			usage = ev.Usage
		}
	}
	if want := "Hello from the fake server."; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
	body := len(s.Requests()[0].Body)
	if want := (providers.Usage{InputTokens: body / 4, OutputTokens: len(text) / 4}); usage == nil || *usage != want {
		t.Errorf("usage = %+v, want %+v", usage, want)
	}
}

// fakeEvents is an eventStream over recorded SSE data lines, for the event
// shapes the fake server does not produce.
type fakeEvents struct {
	data []string
	i    int
	cur  sdk.MessageStreamEventUnion
	err  error
}

func (f *fakeEvents) Next() bool {
	if f.i >= len(f.data) || f.err != nil {
		return false
	}
	f.cur = sdk.MessageStreamEventUnion{}
	f.err = json.Unmarshal([]byte(f.data[f.i]), &f.cur)
	f.i++
	return f.err == nil
}
func (f *fakeEvents) Current() sdk.MessageStreamEventUnion { return f.cur }
func (f *fakeEvents) Err() error                           { return f.err }

func TestReadEventShapes(t *testing.T) {
	start := `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":2,"cache_read_input_tokens":4,"output_tokens":1}}}`
	text := `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`
	tests := []struct {
		name     string
		data     []string
		want     []providers.Event
		wantKind providers.ErrorKind
	}{
		{
			name: "message_delta repeating cumulative input counts wins",
			data: []string{start, text,
				`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}`,
				`{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":11,"cache_creation_input_tokens":2,"cache_read_input_tokens":5,"output_tokens":8}}`,
				`{"type":"message_stop"}`},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "Hi"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 11 + 2 + 5, OutputTokens: 8, CachedTokens: 5}},
				{Kind: providers.EventDone, Text: "max_tokens"},
			},
		},
		{
			name: "signature and tool deltas are skipped",
			data: []string{start,
				`{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}`,
				`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}`,
				text,
				`{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":2}}`,
				`{"type":"message_stop"}`},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "Hi"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 10 + 2 + 4, OutputTokens: 2, CachedTokens: 4}},
				{Kind: providers.EventDone, Text: "stop_sequence"},
			},
		},
		{
			name: "refusal is a content-filtered error after the usage",
			data: []string{start, text,
				`{"type":"message_delta","delta":{"stop_reason":"refusal","stop_sequence":null},"usage":{"output_tokens":2}}`,
				`{"type":"message_stop"}`},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "Hi"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 10 + 2 + 4, OutputTokens: 2, CachedTokens: 4}},
			},
			wantKind: providers.KindContentFiltered,
		},
		{
			name: "events after message_stop are read and ignored",
			data: []string{start, text,
				`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`,
				`{"type":"message_stop"}`, text, text, text, text, text, text},
			want: []providers.Event{
				{Kind: providers.EventText, Text: "Hi"},
				{Kind: providers.EventUsage, Usage: &providers.Usage{InputTokens: 10 + 2 + 4, OutputTokens: 2, CachedTokens: 4}},
				{Kind: providers.EventDone, Text: "end_turn"},
			},
		},
		{
			name:     "no message_stop is incomplete",
			data:     []string{start, text, `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`},
			want:     []providers.Event{{Kind: providers.EventText, Text: "Hi"}},
			wantKind: providers.KindNetwork,
		},
	}
	c := &Client{name: ID}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []providers.Event
			var gotErr error
			c.read(t.Context(), &fakeEvents{data: tt.data}, func(ev providers.Event, err error) bool {
				if err != nil {
					gotErr = err
					return false
				}
				got = append(got, ev)
				return true
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.wantKind == providers.KindUnknown {
				if gotErr != nil {
					t.Fatalf("unexpected error %v", gotErr)
				}
				return
			}
			var pe *providers.Error
			if !errors.As(gotErr, &pe) || pe.Kind != tt.wantKind {
				t.Fatalf("error = %v, want kind %v", gotErr, tt.wantKind)
			}
		})
	}
}

// TestConnectionReused checks that a finished stream hands its connection
// back to the pool: the adapter reads past message_stop to the end of the
// body, so the next request does not pay for a new connection (a TLS
// handshake against the real API).
func TestConnectionReused(t *testing.T) {
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL})
	var reused []bool
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) },
	})
	for range 3 {
		if _, err := collect(ctx, c, hello()); err != nil {
			t.Fatalf("Stream: %v", err)
		}
	}
	if diff := cmp.Diff([]bool{false, true, true}, reused); diff != "" {
		t.Errorf("connection reuse (-want +got):\n%s", diff)
	}
}
