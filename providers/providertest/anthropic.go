package providertest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/llxprt/llxprt-ls/providers"
)

// NewAnthropic starts a fake Anthropic Messages API (api.anthropic.com)
// server. It answers
//
//   - POST /v1/messages with "stream": true as Anthropic's SSE stream, event
//     for event: message_start (a message object with id, model and the
//     input usage), then per content block content_block_start,
//     content_block_delta (thinking_delta, then a signature_delta before the
//     thinking block closes; text_delta) and content_block_stop, one ping
//     after the first block starts, message_delta (stop_reason "end_turn",
//     usage with output_tokens) and message_stop. Thinking pieces come in a
//     thinking block at index 0, before the text block;
//   - POST /v1/messages without "stream" with the whole Message object;
//   - POST /v1/messages/count_tokens, GET /v1/models and GET
//     /v1/models/{id} (a small model list); any other route gets a 404
//     not_found_error.
//
// Every reply carries a request-id header. Errors use Anthropic's body,
// {"type":"error","error":{"type","message"},"request_id"}, with the error
// type Anthropic documents for the status (429 rate_limit_error, 529
// overloaded_error, 500 api_error, …; Script.ErrorType overrides it). A
// mid-stream error (FaultErrorEventAfter) is an "event: error" with the same
// JSON inside the HTTP 200, as Anthropic sends it. Script.Usage.CachedTokens
// comes back as cache_read_input_tokens, and input_tokens is
// Script.Usage.InputTokens less them, as Anthropic counts.
//
// The prompt-too-long wording the real API uses is [AnthropicPromptTooLong].
func NewAnthropic() *Server { return New(&anthropicWire{}) }

// AnthropicPromptTooLong is the message of Anthropic's 400
// invalid_request_error for a prompt that does not fit the model's window.
const AnthropicPromptTooLong = "prompt is too long: 210000 tokens > 200000 maximum"

// anthropicErrorTypes are the error types Anthropic documents per status.
// 503 has no documented type; the API answers it as api_error.
var anthropicErrorTypes = map[int]string{
	400: "invalid_request_error",
	401: "authentication_error",
	402: "billing_error",
	403: "permission_error",
	404: "not_found_error",
	413: "request_too_large",
	429: "rate_limit_error",
	500: "api_error",
	503: "api_error",
	504: "timeout_error",
	529: "overloaded_error",
}

// AnthropicErrorType returns the error type Anthropic sends for an HTTP
// status ("api_error" for one it does not document).
func AnthropicErrorType(status int) string {
	if t, ok := anthropicErrorTypes[status]; ok {
		return t
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

type anthropicWire struct {
	ids atomic.Uint64 // message and request ids, unique per server
}

// anthropicState is one stream's block bookkeeping.
type anthropicState struct {
	index   int    // index of the open block; -1 before the first
	open    string // "thinking", "text" or "" when no block is open
	pinged  bool
	msgID   string
	reqID   string
	scratch []byte
}

func (w *anthropicWire) Name() string { return "anthropic" }

func (w *anthropicWire) nextID() string {
	return strconv.FormatUint(w.ids.Add(1), 10)
}

type anthropicErrorObject struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type anthropicErrorEnvelope struct {
	Type      string               `json:"type"`
	Error     anthropicErrorObject `json:"error"`
	RequestID string               `json:"request_id,omitempty"`
}

func (w *anthropicWire) errorObject(c *Call, status int) anthropicErrorObject {
	t := c.Script.ErrorType
	if t == "" {
		t = AnthropicErrorType(status)
	}
	msg := c.Script.Message
	if msg == "" {
		msg = anthropicDefaultMessage(t)
	}
	return anthropicErrorObject{Type: t, Message: msg}
}

// anthropicDefaultMessage is the message the real API sends with each type.
func anthropicDefaultMessage(t string) string {
	switch t {
	case "overloaded_error":
		return "Overloaded"
	case "rate_limit_error":
		return "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits."
	case "authentication_error":
		return "invalid x-api-key"
	case "permission_error":
		return "Your API key does not have permission to use the specified resource."
	case "not_found_error":
		return "model: claude-unknown"
	case "billing_error":
		return "Your credit balance is too low to access the Anthropic API."
	case "api_error":
		return "Internal server error"
	case "timeout_error":
		return "Request timed out"
	case "request_too_large":
		return "Request exceeds the maximum allowed number of bytes."
	}
	return "fake: invalid request"
}

func (w *anthropicWire) ErrorBody(c *Call, status int) []byte {
	reqID := "req_fake" + w.nextID()
	if c.w != nil && c.w.Header().Get("request-id") == "" {
		c.w.Header().Set("request-id", reqID)
	}
	b, _ := json.Marshal(anthropicErrorEnvelope{Type: "error", Error: w.errorObject(c, status), RequestID: reqID})
	return b
}

func (w *anthropicWire) state(c *Call) *anthropicState {
	if st, ok := c.State.(*anthropicState); ok {
		return st
	}
	st := &anthropicState{index: -1, msgID: "msg_fake" + w.nextID()}
	c.State = st
	return st
}

// inputUsage is what message_start reports: the script's usage or the
// server's own count from the request size (the same rule Server uses).
//
// Anthropic's input_tokens leaves out the cached tokens (cache reads and
// writes are counted apart), so input is Script.Usage.InputTokens (every
// input token, the neutral convention) less the cached share.
func inputUsage(c *Call) (input, cached int) {
	if u := c.Script.Usage; u != (providers.Usage{}) {
		return max(u.InputTokens-u.CachedTokens, 0), u.CachedTokens
	}
	return max(1, len(c.Req.Body)/4), 0
}

func (w *anthropicWire) Begin(c *Call) {
	st := w.state(c)
	in, cached := inputUsage(c)
	c.SSE("message_start", map[string]any{
		"type": "message_start",
		"message": map[string]any{
			"id": st.msgID, "type": "message", "role": "assistant", "model": c.Model,
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]any{
				"input_tokens": in, "cache_creation_input_tokens": 0,
				"cache_read_input_tokens": cached, "output_tokens": 1,
				"service_tier": "standard",
			},
		},
	})
}

// startBlock closes the open block if it is of another kind and opens one
// of kind; the first block start is followed by a ping, as on the real API.
func (w *anthropicWire) startBlock(c *Call, kind string) *anthropicState {
	st := w.state(c)
	if st.open == kind {
		return st
	}
	w.stopBlock(c, st)
	st.index++
	st.open = kind
	var block string
	if kind == "thinking" {
		block = `{"type":"thinking","thinking":"","signature":""}`
	} else {
		block = `{"type":"text","text":""}`
	}
	c.SSE("content_block_start", `{"type":"content_block_start","index":`+strconv.Itoa(st.index)+`,"content_block":`+block+`}`)
	if !st.pinged {
		st.pinged = true
		c.SSE("ping", `{"type": "ping"}`)
	}
	return st
}

func (w *anthropicWire) stopBlock(c *Call, st *anthropicState) {
	if st.open == "" {
		return
	}
	idx := strconv.Itoa(st.index)
	if st.open == "thinking" {
		c.SSE("content_block_delta", `{"type":"content_block_delta","index":`+idx+`,"delta":{"type":"signature_delta","signature":"RmFrZVNpZ25hdHVyZQ=="}}`)
	}
	c.SSE("content_block_stop", `{"type":"content_block_stop","index":`+idx+`}`)
	st.open = ""
}

// delta writes one content_block_delta without a map or reflection: the
// benchmarks stream 10,000 of them.
func (w *anthropicWire) delta(c *Call, st *anthropicState, deltaType, field, piece string) {
	b := st.scratch[:0]
	b = append(b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"...)
	b = strconv.AppendInt(b, int64(st.index), 10)
	b = append(b, `,"delta":{"type":"`...)
	b = append(b, deltaType...)
	b = append(b, `","`...)
	b = append(b, field...)
	b = append(b, `":`...)
	b = appendJSONString(b, piece)
	b = append(b, "}}\n\n"...)
	st.scratch = b
	c.Raw(b)
}

func (w *anthropicWire) Thinking(c *Call, piece string) {
	st := w.startBlock(c, "thinking")
	w.delta(c, st, "thinking_delta", "thinking", piece)
}

func (w *anthropicWire) Text(c *Call, piece string) {
	st := w.startBlock(c, "text")
	w.delta(c, st, "text_delta", "text", piece)
}

func (w *anthropicWire) ErrorEvent(c *Call) {
	status := c.Script.ErrorStatus
	if status == 0 {
		status = http.StatusInternalServerError
	}
	b, _ := json.Marshal(anthropicErrorEnvelope{Type: "error", Error: w.errorObject(c, status)})
	c.SSE("error", b)
}

func (w *anthropicWire) End(c *Call, u providers.Usage) {
	st := w.state(c)
	w.stopBlock(c, st)
	c.SSE("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":`+strconv.Itoa(u.OutputTokens)+`}}`)
	c.SSE("message_stop", `{"type":"message_stop"}`)
}

func (w *anthropicWire) Malformed(c *Call) {
	st := w.state(c)
	c.Raw([]byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + strconv.Itoa(max(st.index, 0)) + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"broken\n\n"))
}

var _ Plain = (*anthropicWire)(nil)

// Plain answers the non-streamed routes: a Message object for a
// POST /v1/messages without "stream": true, token counting, the model list
// and one model; any other route is Anthropic's 404 not_found_error.
func (w *anthropicWire) Plain(c *Call) (int, []byte, bool) {
	path := c.Req.Path
	switch {
	case c.Req.Method == http.MethodPost && strings.HasSuffix(path, "/v1/messages"):
		var req struct {
			Stream bool `json:"stream"`
		}
		_ = json.Unmarshal(c.Req.Body, &req)
		if req.Stream {
			return 0, nil, false
		}
		return 0, w.message(c), true
	case c.Req.Method == http.MethodPost && strings.HasSuffix(path, "/v1/messages/count_tokens"):
		in, cached := inputUsage(c)
		b, _ := json.Marshal(map[string]int{"input_tokens": in + cached})
		return 0, b, true
	case c.Req.Method == http.MethodGet && strings.HasSuffix(path, "/v1/models"):
		b, _ := json.Marshal(map[string]any{
			"data": anthropicModels, "has_more": false,
			"first_id": anthropicModels[0]["id"], "last_id": anthropicModels[len(anthropicModels)-1]["id"],
		})
		return 0, b, true
	case c.Req.Method == http.MethodGet && strings.Contains(path, "/v1/models/"):
		id := path[strings.LastIndex(path, "/")+1:]
		for _, m := range anthropicModels {
			if m["id"] == id {
				b, _ := json.Marshal(m)
				return 0, b, true
			}
		}
	}
	b, _ := json.Marshal(anthropicErrorEnvelope{Type: "error", Error: anthropicErrorObject{Type: "not_found_error", Message: "Not found: " + c.Req.Method + " " + path}})
	return http.StatusNotFound, b, true
}

// anthropicModels is what GET /v1/models lists.
var anthropicModels = []map[string]any{
	{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
	{"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-15T00:00:00Z"},
	{"type": "model", "id": "claude-opus-4-1", "display_name": "Claude Opus 4.1", "created_at": "2025-08-05T00:00:00Z"},
}

// message builds the whole Message a non-streamed request gets.
func (w *anthropicWire) message(c *Call) []byte {
	st := w.state(c)
	text, thinking := c.Script.Text, c.Script.Thinking
	if len(text) == 0 && len(thinking) == 0 {
		text = DefaultText
	}
	var content []map[string]any
	if len(thinking) > 0 {
		content = append(content, map[string]any{"type": "thinking", "thinking": strings.Join(thinking, ""), "signature": "RmFrZVNpZ25hdHVyZQ=="})
	}
	answer := strings.Join(text, "")
	content = append(content, map[string]any{"type": "text", "text": answer})
	in, cached := inputUsage(c)
	out := c.Script.Usage.OutputTokens
	if c.Script.Usage == (providers.Usage{}) {
		out = max(1, len(answer)/4)
	}
	b, _ := json.Marshal(map[string]any{
		"id": st.msgID, "type": "message", "role": "assistant", "model": c.Model,
		"content": content, "stop_reason": "end_turn", "stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens": in, "cache_creation_input_tokens": 0,
			"cache_read_input_tokens": cached, "output_tokens": out,
		},
	})
	return b
}

// appendJSONString appends s as a JSON string literal, escaping what JSON
// requires (and <, >, & as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 0x20 && ch != '"' && ch != '\\' && ch != '<' && ch != '>' && ch != '&' {
			continue
		}
		b = append(b, s[start:i]...)
		switch ch {
		case '"', '\\':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
