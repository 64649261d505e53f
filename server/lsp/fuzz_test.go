package lsp

import (
	"encoding/json"
	"testing"
)

// fuzzMethods are the requests and notifications whose params come from
// the editor; the fuzzer picks one by index.
var fuzzMethods = []string{
	"llxprt/chat", "llxprt/profile/load", "llxprt/profile/save", "llxprt/status", "llxprt/profiles",
	"textDocument/codeAction", "codeAction/resolve", "workspace/executeCommand",
	"textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "$/cancelRequest",
}

// FuzzRequestParams sends one request (or notification) with fuzzed params
// and checks the session still answers llxprt/status: no params may crash,
// hang or end it. Params that are not JSON are sent as the whole frame
// (behind a space, so the frame is never empty).
func FuzzRequestParams(f *testing.F) {
	seeds := []struct {
		method uint8
		params string
		notify bool
	}{
		{0, `{"prompt":"hi"}`, false},
		{0, `{"prompt":"hi","textDocument":{"uri":"file:///a.go"},"range":{"start":{"line":0,"character":0},"end":{"line":99999,"character":-1}}}`, false},
		{0, `{"prompt":"x","partialResultToken":{},"workDoneToken":[1]}`, false},
		{1, `{"name":"../../etc/passwd"}`, false},
		{2, `{"name":"x","profile":"[lb]\ntype = 1"}`, false},
		{5, `{"textDocument":{"uri":"file:///a.go"},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":1}},"context":{"diagnostics":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"message":"m"}],"only":["quickfix"]}}`, false},
		{6, `{"title":"LLxprt: Fix","data":{"uri":"file:///a.go","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":1}},"action":"fix","version":1}}`, false},
		{7, `{"command":"llxprt.applyCodeAction","arguments":[{"uri":"file:///nope.go"}]}`, false},
		{8, `{"textDocument":{"uri":"file:///a.go","languageId":"go","version":1,"text":"package a\n\u00e9\ud83d\ude00\n"}}`, true},
		{9, `{"textDocument":{"uri":"file:///a.go","version":2},"contentChanges":[{"range":{"start":{"line":5,"character":9},"end":{"line":0,"character":0}},"text":"x"}]}`, true},
		{11, `{"id":"llxprt-1"}`, true},
		{3, `null`, false},
		{0, `[1,2,3]`, false},
		{0, `{"prompt":`, false},
	}
	for _, s := range seeds {
		f.Add(s.method, s.params, s.notify)
	}
	f.Fuzz(func(t *testing.T, m uint8, params string, notify bool) {
		s := start(t, newFake(), true, false, false)
		s.open("file:///a.go", "go", "package a\n\nfunc f() {}\n")
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		if json.Valid([]byte(params)) {
			msg := map[string]any{"jsonrpc": "2.0", "method": method, "params": json.RawMessage(params)}
			if !notify {
				msg["id"] = "fuzz"
			}
			s.write(mustJSON(t, msg))
		} else {
			// An empty frame is a broken header, which ends the session by
			// design (README: Errors); a blank body is the not-JSON case.
			s.write([]byte(" " + params))
		}
		var st map[string]any
		s.mustCall("llxprt/status", nil, &st)
	})
}
