package providertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// NewGemini starts a fake Gemini API (generativelanguage.googleapis.com)
// server. It answers
//
//   - POST /{v1beta,v1}/models/{model}:streamGenerateContent?alt=sse with
//     "data: {GenerateContentResponse}\r\n\r\n" chunks, exactly as Google
//     frames them: one candidate (index 0, role "model") whose parts hold
//     one text piece each (thinking pieces carry "thought": true),
//     usageMetadata on every chunk (prompt counts only until the last),
//     modelVersion and responseId, and a last chunk with finishReason "STOP"
//     and the full usage;
//   - POST …:generateContent with the whole reply as one JSON object;
//   - GET /{v1beta,v1}/models with a small model list, and GET
//     …/models/{model} with one entry (404 NOT_FOUND for a model it does
//     not list).
//
// Errors use Google's body, {"error": {"code", "message", "status",
// "details"}}, with the canonical status name for the HTTP code (429
// RESOURCE_EXHAUSTED, 503 UNAVAILABLE, …; Script.ErrorType overrides it). A
// mid-stream error (FaultErrorEventAfter) is a "data: {"error": {…}}" chunk
// inside the HTTP 200, as Google sends it. Use [GeminiErrorBody] and
// [GeminiRetryInfo] to script a 429 whose body carries a RetryInfo delay.
//
// Safety blocks are scripted through Script.ErrorType with a 200 status:
//
//   - "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
//     "IMAGE_SAFETY": the last chunk is a candidate with that finishReason,
//     no content and safetyRatings (one of them "blocked": true). With no
//     Text or Thinking in the script the stream has no text at all (the
//     answer was withheld); with some, they stream first (the answer was
//     cut short);
//   - "prompt:REASON" (e.g. "prompt:SAFETY", "prompt:OTHER"): a single chunk
//     with promptFeedback.blockReason REASON and no candidates, which is
//     how Google answers a prompt it refuses to read.
func NewGemini() *Server { return New(geminiWire{}) }

// GeminiErrorBody returns a Google API error body as the Gemini API sends it
// (pretty-printed), for Script.Body. details are google.rpc detail objects
// such as [GeminiRetryInfo].
func GeminiErrorBody(code int, status, message string, details ...map[string]any) string {
	b, _ := json.MarshalIndent(geminiErrorEnvelope{Error: geminiError{Code: code, Message: message, Status: status, Details: details}}, "", "  ")
	return string(b)
}

// GeminiRetryInfo is the google.rpc.RetryInfo detail Google attaches to a
// 429 ("retryDelay": "12s").
func GeminiRetryInfo(d time.Duration) map[string]any {
	return map[string]any{
		"@type":      "type.googleapis.com/google.rpc.RetryInfo",
		"retryDelay": strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s",
	}
}

type geminiError struct {
	Code    int              `json:"code"`
	Message string           `json:"message"`
	Status  string           `json:"status"`
	Details []map[string]any `json:"details,omitempty"`
}

type geminiErrorEnvelope struct {
	Error geminiError `json:"error"`
}

// geminiStatus is Google's canonical status name for an HTTP code.
var geminiStatus = map[int]string{
	400: "INVALID_ARGUMENT",
	401: "UNAUTHENTICATED",
	403: "PERMISSION_DENIED",
	404: "NOT_FOUND",
	409: "ABORTED",
	429: "RESOURCE_EXHAUSTED",
	499: "CANCELLED",
	500: "INTERNAL",
	501: "NOT_IMPLEMENTED",
	503: "UNAVAILABLE",
	504: "DEADLINE_EXCEEDED",
}

// geminiMessage is the message Google sends for a status when the script
// names none.
var geminiMessage = map[int]string{
	400: "Request contains an invalid argument.",
	401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
	403: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
	404: "models/unknown is not found for API version v1beta, or is not supported for generateContent.",
	429: "Resource has been exhausted (e.g. check quota).",
	500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
	503: "The model is overloaded. Please try again later.",
	504: "The request timed out. Please try again.",
}

// geminiBlockReasons are the finish reasons a script can ask for through
// ErrorType to get a safety-blocked candidate.
var geminiBlockReasons = map[string]bool{
	"SAFETY": true, "RECITATION": true, "BLOCKLIST": true, "PROHIBITED_CONTENT": true, "SPII": true, "IMAGE_SAFETY": true,
}

// geminiModels is what GET …/models lists.
var geminiModels = []map[string]any{
	geminiModel("gemini-2.5-pro", "Gemini 2.5 Pro", 1048576, 65536),
	geminiModel("gemini-2.5-flash", "Gemini 2.5 Flash", 1048576, 65536),
	geminiModel("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1048576, 65536),
}

func geminiModel(id, display string, in, out int) map[string]any {
	return map[string]any{
		"name":                       "models/" + id,
		"version":                    "001",
		"displayName":                display,
		"description":                "Fake " + display + " served by providertest.",
		"inputTokenLimit":            in,
		"outputTokenLimit":           out,
		"supportedGenerationMethods": []string{"generateContent", "countTokens", "createCachedContent", "batchGenerateContent"},
		"temperature":                1,
		"topP":                       0.95,
		"topK":                       64,
		"maxTemperature":             2,
		"thinking":                   true,
	}
}

type geminiWire struct{}

// geminiState is one call's bookkeeping: the ids every chunk repeats and
// the prompt token count reported until the last chunk.
type geminiState struct {
	ids    string // `,"modelVersion": "…","responseId": "…"}`
	tail   []byte // `,"usageMetadata": {…}` + ids
	prompt int
}

func (geminiWire) Name() string { return "gemini" }

func (geminiWire) ErrorBody(c *Call, status int) []byte {
	msg := c.Script.Message
	if msg == "" {
		msg = geminiMessage[status]
	}
	if msg == "" {
		msg = c.Message(status)
	}
	return []byte(GeminiErrorBody(status, c.ErrorType(status, geminiStatus, "UNKNOWN"), msg))
}

func (w geminiWire) state(c *Call) *geminiState {
	if st, ok := c.State.(*geminiState); ok {
		return st
	}
	prompt := c.Script.Usage.InputTokens
	if prompt == 0 {
		prompt = max(1, len(c.Req.Body)/4)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(c.Req.Path))
	_, _ = h.Write(c.Req.Body)
	st := &geminiState{prompt: prompt, ids: fmt.Sprintf(`,"modelVersion": %s,"responseId": "%x"}`, geminiQuote(w.version(c)), h.Sum64())}
	st.tail = fmt.Appendf(nil, `,"usageMetadata": {"promptTokenCount": %d,"totalTokenCount": %d,"promptTokensDetails": [{"modality": "TEXT","tokenCount": %d}]}%s`,
		prompt, prompt, prompt, st.ids)
	c.State = st
	return st
}

func (geminiWire) version(c *Call) string {
	if c.Model == "" {
		return "gemini-2.5-flash"
	}
	return c.Model
}

// blocked reports the safety block a script asks for: a finish reason, or
// a prompt block reason when prompt is true.
func (geminiWire) blocked(c *Call) (reason string, prompt bool) {
	t := c.Script.ErrorType
	if t == "" || c.Script.Fault == FaultErrorEventAfter {
		return "", false
	}
	if r, ok := strings.CutPrefix(t, "prompt:"); ok {
		return r, true
	}
	if geminiBlockReasons[t] {
		return t, false
	}
	return "", false
}

// Plain answers the model list (404 for a model it does not list) and
// non-streamed generateContent.
func (w geminiWire) Plain(c *Call) (int, []byte, bool) {
	p := c.Req.Path
	if c.Req.Method == http.MethodGet {
		if strings.HasSuffix(p, "/models") {
			b, _ := json.MarshalIndent(map[string]any{"models": geminiModels}, "", "  ")
			return http.StatusOK, b, true
		}
		i := strings.Index(p, "/models/")
		if i < 0 {
			return http.StatusNotFound, []byte(GeminiErrorBody(http.StatusNotFound, "NOT_FOUND", "Method not found.")), true
		}
		for _, m := range geminiModels {
			if p[i+1:] == m["name"].(string) {
				b, _ := json.MarshalIndent(m, "", "  ")
				return http.StatusOK, b, true
			}
		}
		return http.StatusNotFound, []byte(GeminiErrorBody(http.StatusNotFound, "NOT_FOUND",
			p[i+1:]+" is not found for API version "+strings.Trim(p[:i], "/")+", or is not supported for generateContent.")), true
	}
	if !strings.HasSuffix(p, ":generateContent") {
		return 0, nil, false
	}
	var text, thought strings.Builder
	for _, t := range c.Script.Thinking {
		thought.WriteString(t)
	}
	for _, t := range c.Script.Text {
		text.WriteString(t)
	}
	if text.Len() == 0 && thought.Len() == 0 {
		text.WriteString(strings.Join(DefaultText, ""))
	}
	var parts []map[string]any
	if thought.Len() > 0 {
		parts = append(parts, map[string]any{"text": thought.String(), "thought": true})
	}
	parts = append(parts, map[string]any{"text": text.String()})
	u := c.Script.Usage
	st := w.state(c)
	if u == (providers.Usage{}) {
		u = providers.Usage{InputTokens: st.prompt, OutputTokens: max(1, text.Len()/4)}
	}
	b, _ := json.MarshalIndent(map[string]any{
		"candidates": []map[string]any{{
			"content":      map[string]any{"parts": parts, "role": "model"},
			"finishReason": "STOP",
			"index":        0,
		}},
		"usageMetadata": json.RawMessage(geminiUsageJSON(u, geminiThoughts(c))),
		"modelVersion":  w.version(c),
	}, "", "  ")
	return http.StatusOK, b, true
}

func (geminiWire) Begin(*Call) {}

func (w geminiWire) Thinking(c *Call, piece string) { w.part(c, piece, true) }

func (w geminiWire) Text(c *Call, piece string) { w.part(c, piece, false) }

// part writes one content chunk, byte for byte in Google's JSON style
// (`": "` after keys, no space after commas).
func (w geminiWire) part(c *Call, piece string, thought bool) {
	if r, prompt := w.blocked(c); prompt || r != "" && len(c.Script.Text)+len(c.Script.Thinking) == 0 {
		return // a refused prompt or a withheld answer has no text
	}
	st := w.state(c)
	var b bytes.Buffer
	b.Grow(len(piece) + len(st.tail) + 96)
	b.WriteString(`data: {"candidates": [{"content": {"parts": [{"text": `)
	b.WriteString(geminiQuote(piece))
	if thought {
		b.WriteString(`,"thought": true`)
	}
	b.WriteString(`}],"role": "model"},"index": 0}]`)
	b.Write(st.tail)
	b.WriteString("\r\n\r\n")
	c.Raw(b.Bytes())
}

func (geminiWire) ErrorEvent(c *Call) {
	status := c.Script.ErrorStatus
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := c.Script.Message
	if msg == "" {
		msg = geminiMessage[status]
	}
	if msg == "" {
		msg = c.Message(status)
	}
	b, _ := json.Marshal(geminiErrorEnvelope{Error: geminiError{Code: status, Message: msg, Status: c.ErrorType(status, geminiStatus, "UNKNOWN")}})
	c.Raw(fmt.Appendf(nil, "data: %s\r\n\r\n", b))
}

// End writes the last chunk: finishReason STOP and the full usage, or the
// scripted safety block.
func (w geminiWire) End(c *Call, u providers.Usage) {
	st := w.state(c)
	tail := `,"usageMetadata": ` + geminiUsageJSON(u, geminiThoughts(c)) + st.ids
	reason, prompt := w.blocked(c)
	switch {
	case prompt:
		tail = fmt.Sprintf(`,"usageMetadata": {"promptTokenCount": %d,"totalTokenCount": %d}%s`, st.prompt, st.prompt, st.ids)
		c.Raw(fmt.Appendf(nil, `data: {"promptFeedback": {"blockReason": %s,"safetyRatings": %s}%s`+"\r\n\r\n",
			geminiQuote(reason), geminiSafetyRatings, tail))
	case reason != "":
		c.Raw(fmt.Appendf(nil, `data: {"candidates": [{"finishReason": %s,"index": 0,"safetyRatings": %s}]%s`+"\r\n\r\n",
			geminiQuote(reason), geminiSafetyRatings, tail))
	default:
		c.Raw(fmt.Appendf(nil, `data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}]%s`+"\r\n\r\n", tail))
	}
}

// geminiThoughts is the thoughtsTokenCount of a script's thinking pieces,
// which Google reports apart from (on top of) candidatesTokenCount.
func geminiThoughts(c *Call) int {
	n := 0
	for _, t := range c.Script.Thinking {
		n += len(t)
	}
	if n == 0 {
		return 0
	}
	return max(1, n/4)
}

// geminiUsageJSON is the usageMetadata object of a finished reply, keys in
// Google's order.
func geminiUsageJSON(u providers.Usage, thoughts int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"promptTokenCount": %d,"candidatesTokenCount": %d,"totalTokenCount": %d`, u.InputTokens, u.OutputTokens, u.InputTokens+u.OutputTokens+thoughts)
	if u.CachedTokens > 0 {
		fmt.Fprintf(&b, `,"cachedContentTokenCount": %d`, u.CachedTokens)
	}
	fmt.Fprintf(&b, `,"promptTokensDetails": [{"modality": "TEXT","tokenCount": %d}]`, u.InputTokens)
	if thoughts > 0 {
		fmt.Fprintf(&b, `,"thoughtsTokenCount": %d`, thoughts)
	}
	b.WriteString("}")
	return b.String()
}

func (geminiWire) Malformed(c *Call) {
	c.Raw([]byte(`data: {"candidates": [{"content": {"parts": [{"text": "trunc` + "\r\n\r\n"))
}

const geminiSafetyRatings = `[{"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT","probability": "NEGLIGIBLE"},{"category": "HARM_CATEGORY_HATE_SPEECH","probability": "NEGLIGIBLE"},{"category": "HARM_CATEGORY_HARASSMENT","probability": "NEGLIGIBLE"},{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}]`

// geminiQuote is a JSON string literal.
func geminiQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
