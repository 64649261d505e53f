package providertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// OpenAIContextTooLong is OpenAI's wording for a prompt that does not fit
// (HTTP 400, code "context_length_exceeded").
const OpenAIContextTooLong = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages."

// OpenAIInsufficientQuota is OpenAI's wording for an account out of credit
// (HTTP 429, type and code "insufficient_quota").
const OpenAIInsufficientQuota = "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."

// DefaultOpenAIModels is what GET /models lists when [OpenAI.Models] is empty.
var DefaultOpenAIModels = []string{"gpt-5.2", "gpt-5-mini", "gpt-4.1", "o3-pro", "qwen3-coder-plus"}

// OpenAI is the OpenAI wire. One server answers, by path suffix:
//
//   - POST …/chat/completions: Chat Completions, `data: {chat.completion.chunk}`
//     lines ending with `data: [DONE]` (a usage chunk with empty choices
//     first when stream_options.include_usage was asked), or one
//     chat.completion object when the request did not ask to stream;
//   - POST …/responses: the Responses API's named SSE events
//     (response.created … response.completed), or one response object;
//   - GET …/models: a model list.
//
// Matching on the suffix lets the same server stand for api.openai.com/v1,
// DashScope's /compatible-mode/v1 and servers mounted at the root. The
// zero value is ready to use; the fields pick rarer variants for a test.
type OpenAI struct {
	// ResponsesError is the Responses API event FaultErrorEventAfter writes:
	// "error" (the default) or "response.failed".
	ResponsesError string
	// FinishReason ends every successful stream: Chat Completions'
	// finish_reason ("stop" when empty, "length", "content_filter"). On the
	// Responses API anything but "stop" ends with response.incomplete and
	// that reason, "length" spelled "max_output_tokens" as OpenAI does.
	FinishReason string
	// Models is the list GET /models returns (DefaultOpenAIModels when empty).
	Models []string
}

// NewOpenAI starts a fake OpenAI server (also Qwen's DashScope compatible
// mode and any OpenAI-compatible server) with the default [OpenAI] wire.
func NewOpenAI() *Server { return New(&OpenAI{}) }

// Name implements Wire.
func (*OpenAI) Name() string { return "openai" }

// openaiErrors are the type, code and message OpenAI sends per status.
var openaiErrors = map[int]struct{ typ, code, msg string }{
	400: {"invalid_request_error", "", "fake: bad request"},
	401: {"invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-fake***********. You can find your API key at https://platform.openai.com/account/api-keys."},
	403: {"invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"},
	404: {"invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."},
	429: {"requests", "rate_limit_exceeded", "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."},
	500: {"server_error", "", "The server had an error while processing your request. Sorry about that!"},
	503: {"server_error", "", "The server is overloaded or not ready yet."},
}

// openaiError builds the {"message","type","param","code"} object for a status.
func openaiError(c *Call, status int) map[string]any {
	d, ok := openaiErrors[status]
	if !ok {
		d.typ = "invalid_request_error"
		if status >= 500 {
			d.typ = "server_error"
		}
	}
	msg := d.msg
	if c.Script.Message != "" || msg == "" {
		msg = c.Message(status)
	}
	typ := c.ErrorType(status, nil, d.typ)
	if typ == "insufficient_quota" && c.Script.Message == "" {
		msg = OpenAIInsufficientQuota
	}
	code, param := any(nil), any(nil)
	switch {
	case typ == "insufficient_quota":
		code = typ
	case status == 400 && providers.IsContextTooLong(msg):
		code, param = "context_length_exceeded", "messages"
	case d.code != "":
		code = d.code
	}
	return map[string]any{"message": msg, "type": typ, "param": param, "code": code}
}

// ErrorBody implements Wire: {"error":{"message","type","param","code"}}.
func (*OpenAI) ErrorBody(c *Call, status int) []byte {
	b, _ := json.Marshal(map[string]any{"error": openaiError(c, status)})
	return b
}

// Plain implements providertest.Plain: the model list, non-streamed
// completions and unknown paths.
func (o *OpenAI) Plain(c *Call) (int, []byte, bool) {
	p := c.Req.Path
	switch {
	case c.Req.Method == http.MethodGet && strings.HasSuffix(p, "/models"):
		return 0, o.modelList(), true
	case c.Req.Method == http.MethodPost && strings.HasSuffix(p, "/chat/completions"):
		if oaiStreamed(c) {
			return 0, nil, false
		}
		return 0, o.chatCompletion(c), true
	case c.Req.Method == http.MethodPost && strings.HasSuffix(p, "/responses"):
		if oaiStreamed(c) {
			return 0, nil, false
		}
		return 0, o.responseObject(c), true
	}
	c.Script.Message = "Invalid URL (" + c.Req.Method + " " + p + ")"
	return http.StatusNotFound, o.ErrorBody(c, http.StatusNotFound), true
}

func oaiStreamed(c *Call) bool {
	var v struct {
		Stream bool `json:"stream"`
	}
	_ = json.Unmarshal(c.Req.Body, &v)
	return v.Stream
}

func (o *OpenAI) modelList() []byte {
	models := o.Models
	if len(models) == 0 {
		models = DefaultOpenAIModels
	}
	data := make([]map[string]any, 0, len(models))
	for _, m := range models {
		owner := "openai"
		if strings.HasPrefix(m, "qwen") {
			owner = "system"
		}
		data = append(data, map[string]any{"id": m, "object": "model", "created": 1686935002, "owned_by": owner})
	}
	b, _ := json.Marshal(map[string]any{"object": "list", "data": data})
	return b
}

// finish is the stop reason for chat.
func (o *OpenAI) finish() string {
	if o.FinishReason == "" {
		return "stop"
	}
	return o.FinishReason
}

// oaiPieces returns the script's thinking and text joined, as a non-streamed
// reply carries them.
func oaiPieces(c *Call) (thinking, text string) {
	t := c.Script.Text
	if len(t) == 0 && len(c.Script.Thinking) == 0 {
		t = DefaultText
	}
	return strings.Join(c.Script.Thinking, ""), strings.Join(t, "")
}

func oaiUsageOf(c *Call, u providers.Usage, out string) providers.Usage {
	if u == (providers.Usage{}) {
		u = providers.Usage{InputTokens: max(1, len(c.Req.Body)/4), OutputTokens: max(1, len(out)/4)}
	}
	return u
}

func oaiChatUsage(u providers.Usage) map[string]any {
	return map[string]any{
		"prompt_tokens":             u.InputTokens,
		"completion_tokens":         u.OutputTokens,
		"total_tokens":              u.InputTokens + u.OutputTokens,
		"prompt_tokens_details":     map[string]any{"cached_tokens": u.CachedTokens, "audio_tokens": 0},
		"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
	}
}

func (o *OpenAI) chatCompletion(c *Call) []byte {
	thinking, text := oaiPieces(c)
	msg := map[string]any{"role": "assistant", "content": text, "refusal": nil, "annotations": []any{}}
	if thinking != "" {
		msg["reasoning_content"] = thinking
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": c.Model,
		"system_fingerprint": "fp_fake", "service_tier": "default",
		"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": o.finish()}},
		"usage":   oaiChatUsage(oaiUsageOf(c, c.Script.Usage, text)),
	})
	return b
}

// Begin implements Wire.
func (o *OpenAI) Begin(c *Call) {
	if strings.HasSuffix(c.Req.Path, "/responses") {
		o.respBegin(c)
		return
	}
	o.chatBegin(c)
}

// Thinking implements Wire.
func (o *OpenAI) Thinking(c *Call, piece string) {
	switch st := c.State.(type) {
	case *oaiRespState:
		o.respThinking(c, st, piece)
	case *oaiChatState:
		st.chunk(c, "reasoning_content", piece)
	}
}

// Text implements Wire.
func (o *OpenAI) Text(c *Call, piece string) {
	switch st := c.State.(type) {
	case *oaiRespState:
		o.respText(c, st, piece)
	case *oaiChatState:
		st.chunk(c, "content", piece)
	}
}

// ErrorEvent implements Wire.
func (o *OpenAI) ErrorEvent(c *Call) {
	switch st := c.State.(type) {
	case *oaiRespState:
		o.respError(c, st)
	case *oaiChatState:
		status := c.Script.ErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		c.SSE("", map[string]any{"error": openaiError(c, status)})
	}
}

// End implements Wire.
func (o *OpenAI) End(c *Call, u providers.Usage) {
	switch st := c.State.(type) {
	case *oaiRespState:
		o.respEnd(c, st, u)
	case *oaiChatState:
		o.chatEnd(c, st, u)
	}
}

// Malformed implements Wire.
func (o *OpenAI) Malformed(c *Call) {
	if _, ok := c.State.(*oaiRespState); ok {
		c.Raw([]byte("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"oops\n\n"))
		return
	}
	c.Raw([]byte("data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"oops\n\n"))
}

// oaiChatState holds the bytes every chunk of one stream shares.
type oaiChatState struct {
	head    []byte // data: {"id":…,"choices":[{"index":0,"delta":{
	tail    []byte // },"logprobs":null,"finish_reason":null}]…}\n\n
	usage   bool   // stream_options.include_usage was asked
	id      string
	created int64
	buf     bytes.Buffer
}

func (o *OpenAI) chatBegin(c *Call) {
	var req struct {
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	_ = json.Unmarshal(c.Req.Body, &req)
	st := &oaiChatState{usage: req.StreamOptions.IncludeUsage, id: "chatcmpl-fake" + strconv.FormatInt(time.Now().UnixNano(), 36), created: time.Now().Unix()}
	st.head = fmt.Appendf(nil, `data: {"id":%q,"object":"chat.completion.chunk","created":%d,"model":%s,"service_tier":"default","system_fingerprint":"fp_fake","choices":[{"index":0,"delta":{`,
		st.id, st.created, oaiJSONString(c.Model))
	st.tail = []byte(`},"logprobs":null,"finish_reason":null}]`)
	if st.usage {
		st.tail = append(st.tail, `,"usage":null`...)
	}
	st.tail = append(st.tail, "}\n\n"...)
	c.State = st
	st.write(c, []byte(`"role":"assistant","content":"","refusal":null`))
}

func (st *oaiChatState) write(c *Call, delta []byte) {
	st.buf.Reset()
	st.buf.Write(st.head)
	st.buf.Write(delta)
	st.buf.Write(st.tail)
	c.Raw(st.buf.Bytes())
}

func (st *oaiChatState) chunk(c *Call, field, piece string) {
	delta := make([]byte, 0, len(field)+len(piece)+8)
	delta = append(delta, '"')
	delta = append(delta, field...)
	delta = append(delta, `":`...)
	delta = append(delta, oaiJSONString(piece)...)
	st.write(c, delta)
}

func (o *OpenAI) chatEnd(c *Call, st *oaiChatState, u providers.Usage) {
	fin := fmt.Appendf(nil, `data: {"id":%q,"object":"chat.completion.chunk","created":%d,"model":%s,"service_tier":"default","system_fingerprint":"fp_fake","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":%q}]`,
		st.id, st.created, oaiJSONString(c.Model), o.finish())
	if st.usage {
		fin = append(fin, `,"usage":null`...)
	}
	fin = append(fin, "}\n\n"...)
	c.Raw(fin)
	if st.usage {
		c.SSE("", map[string]any{
			"id": st.id, "object": "chat.completion.chunk", "created": st.created, "model": c.Model,
			"service_tier": "default", "system_fingerprint": "fp_fake", "choices": []any{}, "usage": oaiChatUsage(u),
		})
	}
	c.Raw([]byte("data: [DONE]\n\n"))
}

// oaiJSONString encodes s as a JSON string without HTML escaping, as OpenAI does.
func oaiJSONString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}
