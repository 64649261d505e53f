package lsp

import (
	"context"

	"strings"
	"testing"

	"github.com/llxprt/llxprt-ls/server"
)

// Each bad message gets an error response naming what is wrong, and the
// session keeps serving.
func TestBadInputGetsErrorAndServerKeepsServing(t *testing.T) {
	tests := []struct {
		name     string
		frame    string // raw body sent as is
		wantCode int
		wantID   string
		wantText []string
	}{
		{"malformed standard params", `{"jsonrpc":"2.0","id":1,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///a.go"},"range":{"start":{"line":"x","character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":[]}}}`, -32602, "1", []string{"textDocument/codeAction", "line"}},
		{"malformed llxprt params", `{"jsonrpc":"2.0","id":2,"method":"llxprt/chat","params":{"prompt":5}}`, -32602, "2", []string{"llxprt/chat", "prompt"}},
		{"missing prompt", `{"jsonrpc":"2.0","id":3,"method":"llxprt/chat","params":{}}`, -32602, "3", []string{"prompt", "required"}},
		{"bad progress token", `{"jsonrpc":"2.0","id":4,"method":"llxprt/chat","params":{"prompt":"x","partialResultToken":{}}}`, -32602, "4", []string{"partialResultToken"}},
		{"params not an object", `{"jsonrpc":"2.0","id":5,"method":"llxprt/profile/load","params":[1]}`, -32602, "5", []string{"llxprt/profile/load"}},
		{"unknown method", `{"jsonrpc":"2.0","id":6,"method":"textDocument/frobnicate","params":{}}`, -32601, "6", []string{"textDocument/frobnicate"}},
		{"unknown llxprt method", `{"jsonrpc":"2.0","id":7,"method":"llxprt/nope"}`, -32601, "7", []string{"llxprt/nope"}},
		{"invalid UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"llxprt/chat\",\"params\":{\"prompt\":\"caf\xe9\"}}", -32602, "8", []string{"UTF-8"}},
		{"not JSON", `{"jsonrpc":"2.0","id":9,"method":`, -32700, "null", []string{"JSON"}},
		{"not JSON-RPC 2.0", `{"id":10,"method":"llxprt/status"}`, -32600, "10", []string{"jsonrpc"}},
		{"string id, not JSON-RPC 2.0", `{"jsonrpc":"1.0","id":"x","method":"llxprt/status"}`, -32600, `"x"`, []string{"2.0"}},
	}
	s := start(t, newFake(), true, false, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.write([]byte(tt.frame))
			m := s.waitFor("error response", func(m message) bool { return m.Error != nil && string(m.ID) == tt.wantID })
			if m.Error.Code != tt.wantCode || !containsAll(m.Error.Message, tt.wantText...) {
				t.Errorf("error = %v, want code %d mentioning %q", m.Error, tt.wantCode, tt.wantText)
			}
			var st map[string]any
			s.mustCall("llxprt/status", nil, &st) // still serving
			if st["profile"] != "work" {
				t.Errorf("status after bad input = %v", st)
			}
		})
	}
}

// Notifications never get a response, and a bad one does not end the
// session (jsonrpc2 would close the connection on a notification error).
func TestBadNotificationsAreIgnored(t *testing.T) {
	s := start(t, newFake(), true, false, false)
	s.notify("$/setTrace", map[string]any{"value": "verbose"})
	s.notify("$/cancelRequest", map[string]any{"id": map[string]any{}})
	s.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": "file:///never-opened.go", "version": 2}, "contentChanges": []any{}})
	s.notify("textDocument/didOpen", map[string]any{"textDocument": 5})
	s.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{}})
	s.notify("foo/bar", nil)
	s.write([]byte("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///a\xff.go\"}}}"))
	s.mustCall("llxprt/status", nil, nil)
	for _, m := range s.received() {
		if m.Error != nil {
			t.Errorf("a notification got an error response: %+v", m)
		}
	}
}

func TestLargePrompt(t *testing.T) {
	b := newFake()
	b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
		return &server.ChatResult{Text: strings.Repeat("k", len(req.Prompt)/1024)}, nil
	}
	s := start(t, b, true, false, false)
	prompt := strings.Repeat("界abcdefg", 5<<20/10) // 5 MB
	var res struct{ Text string }
	s.mustCall("llxprt/chat", map[string]any{"prompt": prompt}, &res)
	if len(res.Text) != len(prompt)/1024 || b.chats[0].Prompt != prompt {
		t.Errorf("5 MB prompt: backend got %d bytes, want %d", len(b.chats[0].Prompt), len(prompt))
	}
}

func TestHandlerPanicIsInternalError(t *testing.T) {
	b := newFake()
	b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
		panic("boom")
	}
	s := start(t, b, true, false, false)
	err := s.call("llxprt/chat", map[string]any{"prompt": "x"}, nil)
	if err == nil || err.Code != -32603 || !containsAll(err.Message, "boom") {
		t.Fatalf("panic: err = %v, want InternalError", err)
	}
	s.mustCall("llxprt/status", nil, nil)
}

// A broken header loses the framing: the session ends cleanly, no hang.
func TestBrokenHeaderEndsSession(t *testing.T) {
	s := start(t, newFake(), true, false, false)
	_, _ = s.pipe.Write([]byte("Content-Length: banana\r\n\r\n{}"))
	r := s.result()
	if r.code != 1 || r.err == nil {
		t.Errorf("Serve = %d, %v; want 1 and a header error", r.code, r.err)
	}
}

// A request sent without an id (a notification) is dropped: no provider is
// called for an answer nobody would receive.
func TestRequestSentAsNotificationRunsNothing(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)
	s.open(docURI, "go", goSrc)
	s.notify("llxprt/chat", map[string]any{"prompt": "nobody listens"})
	s.notify("workspace/executeCommand", map[string]any{"command": "llxprt.chat", "arguments": []any{map[string]any{"prompt": "nobody"}}})
	s.notify("codeAction/resolve", map[string]any{"title": "LLxprt: Refactor selection", "data": map[string]any{
		"uri": docURI, "range": map[string]any{"start": map[string]any{"line": 3, "character": 1}, "end": map[string]any{"line": 3, "character": 7}},
		"action": "refactor", "version": 1}})
	s.mustCall("llxprt/status", nil, nil) // the notifications were read before this
	s.pipe.Close()
	s.result() // Serve has waited for every handler it started
	b.mu.Lock()
	chats := len(b.chats)
	b.mu.Unlock()
	if chats != 0 || b.runCount() != 0 {
		t.Errorf("%d chats and %d actions ran for notifications", chats, b.runCount())
	}
}
