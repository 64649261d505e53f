package providertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// oaiRespState is one Responses API stream: the sequence counter and the output
// items opened so far (a reasoning item for thinking, a message for text).
type oaiRespState struct {
	id        string
	created   int64
	seq       int
	next      int // next output_index
	reasoning *oaiRespItem
	message   *oaiRespItem
	output    []any // finished items, for response.completed
	buf       bytes.Buffer
}

type oaiRespItem struct {
	id    string
	index int
	text  strings.Builder
}

func (st *oaiRespState) event(c *Call, name string, fields map[string]any) {
	fields["type"] = name
	fields["sequence_number"] = st.seq
	st.seq++
	c.SSE(name, fields)
}

// response is the Response object the lifecycle events carry.
func (st *oaiRespState) response(c *Call, status string, output []any, usage any) map[string]any {
	var req struct {
		Instructions    *string         `json:"instructions"`
		MaxOutputTokens *int            `json:"max_output_tokens"`
		Reasoning       json.RawMessage `json:"reasoning"`
		Temperature     *float64        `json:"temperature"`
		TopP            *float64        `json:"top_p"`
	}
	_ = json.Unmarshal(c.Req.Body, &req)
	reasoning := any(map[string]any{"effort": nil, "summary": nil})
	if len(req.Reasoning) > 0 {
		reasoning = req.Reasoning
	}
	if output == nil {
		output = []any{}
	}
	return map[string]any{
		"id": st.id, "object": "response", "created_at": st.created, "status": status,
		"background": false, "error": nil, "incomplete_details": nil,
		"instructions": req.Instructions, "max_output_tokens": req.MaxOutputTokens, "model": c.Model,
		"output": output, "parallel_tool_calls": true, "previous_response_id": nil,
		"reasoning": reasoning, "service_tier": "default", "store": true,
		"temperature": req.Temperature, "text": map[string]any{"format": map[string]any{"type": "text"}, "verbosity": "medium"},
		"tool_choice": "auto", "tools": []any{}, "top_p": req.TopP, "truncation": "disabled",
		"usage": usage, "user": nil, "metadata": map[string]any{},
	}
}

func oaiRespUsage(u providers.Usage) map[string]any {
	return map[string]any{
		"input_tokens":          u.InputTokens,
		"input_tokens_details":  map[string]any{"cached_tokens": u.CachedTokens},
		"output_tokens":         u.OutputTokens,
		"output_tokens_details": map[string]any{"reasoning_tokens": 0},
		"total_tokens":          u.InputTokens + u.OutputTokens,
	}
}

func (o *OpenAI) respBegin(c *Call) {
	now := time.Now()
	st := &oaiRespState{id: "resp_fake" + strconv.FormatInt(now.UnixNano(), 36), created: now.Unix()}
	c.State = st
	st.event(c, "response.created", map[string]any{"response": st.response(c, "in_progress", nil, nil)})
	st.event(c, "response.in_progress", map[string]any{"response": st.response(c, "in_progress", nil, nil)})
}

func (st *oaiRespState) open(prefix string) *oaiRespItem {
	it := &oaiRespItem{id: prefix + st.id[len("resp_"):] + strconv.Itoa(st.next), index: st.next}
	st.next++
	return it
}

// delta writes a delta event by hand: it is the hot path of a long stream.
func (st *oaiRespState) delta(c *Call, name string, it *oaiRespItem, indexField string, piece string) {
	b := &st.buf
	b.Reset()
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: {\"type\":\"")
	b.WriteString(name)
	b.WriteString("\",\"sequence_number\":")
	b.WriteString(strconv.Itoa(st.seq))
	b.WriteString(",\"item_id\":\"")
	b.WriteString(it.id)
	b.WriteString("\",\"output_index\":")
	b.WriteString(strconv.Itoa(it.index))
	b.WriteString(",\"")
	b.WriteString(indexField)
	b.WriteString("\":0,\"delta\":")
	b.Write(oaiJSONString(piece))
	if indexField == "content_index" {
		b.WriteString(",\"logprobs\":[]")
	}
	b.WriteString(",\"obfuscation\":\"fake\"}\n\n")
	st.seq++
	c.Raw(b.Bytes())
}

func (o *OpenAI) respThinking(c *Call, st *oaiRespState, piece string) {
	if st.reasoning == nil {
		st.reasoning = st.open("rs_")
		st.event(c, "response.output_item.added", map[string]any{"output_index": st.reasoning.index,
			"item": map[string]any{"id": st.reasoning.id, "type": "reasoning", "summary": []any{}}})
		st.event(c, "response.reasoning_summary_part.added", map[string]any{"item_id": st.reasoning.id,
			"output_index": st.reasoning.index, "summary_index": 0, "part": map[string]any{"type": "summary_text", "text": ""}})
	}
	st.reasoning.text.WriteString(piece)
	st.delta(c, "response.reasoning_summary_text.delta", st.reasoning, "summary_index", piece)
}

func (st *oaiRespState) closeReasoning(c *Call) {
	it := st.reasoning
	if it == nil {
		return
	}
	st.reasoning = nil
	text := it.text.String()
	part := map[string]any{"type": "summary_text", "text": text}
	st.event(c, "response.reasoning_summary_text.done", map[string]any{"item_id": it.id, "output_index": it.index, "summary_index": 0, "text": text})
	st.event(c, "response.reasoning_summary_part.done", map[string]any{"item_id": it.id, "output_index": it.index, "summary_index": 0, "part": part})
	item := map[string]any{"id": it.id, "type": "reasoning", "summary": []any{part}}
	st.event(c, "response.output_item.done", map[string]any{"output_index": it.index, "item": item})
	st.output = append(st.output, item)
}

func (o *OpenAI) respText(c *Call, st *oaiRespState, piece string) {
	st.closeReasoning(c)
	if st.message == nil {
		st.message = st.open("msg_")
		st.event(c, "response.output_item.added", map[string]any{"output_index": st.message.index,
			"item": map[string]any{"id": st.message.id, "type": "message", "status": "in_progress", "content": []any{}, "role": "assistant"}})
		st.event(c, "response.content_part.added", map[string]any{"item_id": st.message.id, "output_index": st.message.index,
			"content_index": 0, "part": map[string]any{"type": "output_text", "annotations": []any{}, "logprobs": []any{}, "text": ""}})
	}
	st.message.text.WriteString(piece)
	st.delta(c, "response.output_text.delta", st.message, "content_index", piece)
}

func (st *oaiRespState) closeMessage(c *Call, status string) {
	it := st.message
	if it == nil {
		return
	}
	st.message = nil
	text := it.text.String()
	part := map[string]any{"type": "output_text", "annotations": []any{}, "logprobs": []any{}, "text": text}
	st.event(c, "response.output_text.done", map[string]any{"item_id": it.id, "output_index": it.index, "content_index": 0, "text": text, "logprobs": []any{}})
	st.event(c, "response.content_part.done", map[string]any{"item_id": it.id, "output_index": it.index, "content_index": 0, "part": part})
	item := map[string]any{"id": it.id, "type": "message", "status": status, "content": []any{part}, "role": "assistant"}
	st.event(c, "response.output_item.done", map[string]any{"output_index": it.index, "item": item})
	st.output = append(st.output, item)
}

func (o *OpenAI) respEnd(c *Call, st *oaiRespState, u providers.Usage) {
	reason := o.FinishReason
	if reason == "length" {
		reason = "max_output_tokens"
	}
	itemStatus, status := "completed", "completed"
	if reason != "" && reason != "stop" {
		itemStatus, status = "incomplete", "incomplete"
	}
	st.closeReasoning(c)
	st.closeMessage(c, itemStatus)
	resp := st.response(c, status, st.output, oaiRespUsage(u))
	if status == "incomplete" {
		resp["incomplete_details"] = map[string]any{"reason": reason}
	}
	st.event(c, "response."+status, map[string]any{"response": resp})
}

func (o *OpenAI) respError(c *Call, st *oaiRespState) {
	status := c.Script.ErrorStatus
	if status == 0 {
		status = http.StatusInternalServerError
	}
	e := openaiError(c, status)
	code := e["code"]
	if code == nil {
		code = e["type"]
	}
	if o.ResponsesError == "response.failed" {
		resp := st.response(c, "failed", st.output, nil)
		resp["error"] = map[string]any{"code": code, "message": e["message"]}
		st.event(c, "response.failed", map[string]any{"response": resp})
		return
	}
	st.event(c, "error", map[string]any{"code": code, "message": e["message"], "param": e["param"]})
}

// responseObject is the non-streamed Responses API reply.
func (o *OpenAI) responseObject(c *Call) []byte {
	thinking, text := oaiPieces(c)
	now := time.Now()
	st := &oaiRespState{id: "resp_fake" + strconv.FormatInt(now.UnixNano(), 36), created: now.Unix()}
	var output []any
	if thinking != "" {
		it := st.open("rs_")
		output = append(output, map[string]any{"id": it.id, "type": "reasoning", "summary": []any{map[string]any{"type": "summary_text", "text": thinking}}})
	}
	it := st.open("msg_")
	output = append(output, map[string]any{"id": it.id, "type": "message", "status": "completed", "role": "assistant",
		"content": []any{map[string]any{"type": "output_text", "annotations": []any{}, "logprobs": []any{}, "text": text}}})
	b, _ := json.Marshal(st.response(c, "completed", output, oaiRespUsage(oaiUsageOf(c, c.Script.Usage, text))))
	return b
}
