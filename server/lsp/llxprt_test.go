package lsp

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/server"
)

// indexOf returns the position in log of the first message satisfying ok, or -1.
func indexOf(log []message, ok func(message) bool) int {
	for i, m := range log {
		if ok(m) {
			return i
		}
	}
	return -1
}

func isResponse(id json.RawMessage) func(message) bool {
	return func(m message) bool { return m.Method == "" && string(m.ID) == string(id) }
}

func TestChatStreamsBeforeResponse(t *testing.T) {
	b := newFake()
	release := make(chan struct{})
	b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
		onDelta("Hel")
		onDelta("lo")
		<-release // the first pieces must reach the client while the chat still runs
		onDelta(", world")
		return &server.ChatResult{SessionID: "s9", Text: "Hello, world", Provider: "fake", Model: "m1", CostUSD: 0.5}, nil
	}
	s := start(t, b, true, false, false)
	s.open(docURI, "go", goSrc)
	id, ch := s.start("llxprt/chat", map[string]any{
		"prompt": "hi", "sessionId": "s9", "partialResultToken": "tok-1", "profile": "home",
		"textDocument": map[string]any{"uri": docURI}, "range": rng{pos{3, 1}, pos{3, 7}},
	})
	s.waitFor("first piece", isNote("$/progress"))
	close(release)
	resp := s.wait(ch)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	var res struct {
		SessionID, Text, Provider, Model string
		CostUSD                          float64 `json:"costUSD"`
	}
	_ = json.Unmarshal(resp.Result, &res)
	if res.SessionID != "s9" || res.Text != "Hello, world" || res.CostUSD != 0.5 {
		t.Errorf("result = %s", resp.Result)
	}
	log := s.received()
	respAt := indexOf(log, isResponse(json.RawMessage(jsonInt(id))))
	var text strings.Builder
	for i, m := range log {
		if m.Method != "$/progress" {
			continue
		}
		var p struct {
			Token string
			Value struct{ Text string }
		}
		_ = json.Unmarshal(m.Params, &p)
		if p.Token != "tok-1" {
			t.Errorf("progress on token %q", p.Token)
		}
		if i > respAt {
			t.Errorf("a piece (%q) arrived after the response", p.Value.Text)
		}
		text.WriteString(p.Value.Text)
	}
	if text.String() != "Hello, world" {
		t.Errorf("streamed %q, want every piece in order", text.String())
	}
	want := []server.ChatRequest{{Prompt: "hi", SessionID: "s9", Profile: "home", Context: []server.Attachment{{Path: "/tmp/x/main.go", Language: "go", Text: "return"}}}}
	if diff := cmp.Diff(want, b.chats); diff != "" {
		t.Errorf("Chat got (-want +got):\n%s", diff)
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// $/cancelRequest, with a numeric or a string id, cancels the backend's ctx,
// and the request still gets its RequestCancelled response.
func TestCancelRequest(t *testing.T) {
	for _, id := range []string{`7`, `"chat-7"`} {
		t.Run(id, func(t *testing.T) {
			b := newFake()
			started := make(chan struct{})
			b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			}
			s := start(t, b, true, false, false)
			ch := s.startID(json.RawMessage(id), "llxprt/chat", map[string]any{"prompt": "hang"})
			<-started
			s.notify("$/cancelRequest", map[string]any{"id": json.RawMessage(id)})
			resp := s.wait(ch)
			if resp.Error == nil || resp.Error.Code != -32800 {
				t.Fatalf("cancelled chat: %+v, want RequestCancelled", resp)
			}
			s.mustCall("llxprt/status", nil, nil) // still serving
		})
	}
}

// A slow chat does not block code actions, status or document changes.
func TestConcurrentRequests(t *testing.T) {
	b := newFake()
	release := make(chan struct{})
	b.chat = func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
		<-release
		return &server.ChatResult{Text: "late"}, nil
	}
	s := start(t, b, true, false, false)
	_, chat := s.start("llxprt/chat", map[string]any{"prompt": "slow"})
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	s.mustCall("llxprt/status", nil, nil)
	if len(acts) == 0 {
		t.Error("no actions while a chat runs")
	}
	close(release)
	if resp := s.wait(chat); resp.Error != nil {
		t.Fatal(resp.Error)
	}
}

func TestWorkDoneProgress(t *testing.T) {
	s := start(t, newFake(), true, true, false)
	s.mustCall("llxprt/chat", map[string]any{"prompt": "hello"}, nil)
	create := s.waitFor("create", func(m message) bool { return m.Method == "window/workDoneProgress/create" })
	var c struct{ Token json.RawMessage }
	_ = json.Unmarshal(create.Params, &c)
	var kinds []string
	for _, m := range s.received() {
		var p struct {
			Token json.RawMessage
			Value struct{ Kind, Title string }
		}
		if m.Method == "$/progress" && json.Unmarshal(m.Params, &p) == nil && string(p.Token) == string(c.Token) {
			kinds = append(kinds, p.Value.Kind)
		}
	}
	if diff := cmp.Diff([]string{"begin", "end"}, kinds); diff != "" {
		t.Errorf("progress on %s (-want +got):\n%s", c.Token, diff)
	}
}

func TestProfilesAndStatus(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)

	var list []map[string]any
	s.mustCall("llxprt/profiles", nil, &list)
	if len(list) != 2 || list[0]["name"] != "work" || list[0]["active"] != true || list[1]["active"] != false {
		t.Errorf("profiles = %v", list)
	}
	var st map[string]any
	s.mustCall("llxprt/profile/load", map[string]any{"name": "home", "persist": true}, &st)
	if st["profile"] != "home" {
		t.Errorf("load → %v", st)
	}
	if err := s.call("llxprt/profile/load", map[string]any{"name": "missing"}, nil); err == nil || !containsAll(err.Message, "missing", "not found") {
		t.Errorf("loading a missing profile: %v", err)
	}
	s.mustCall("llxprt/profile/save", map[string]any{"name": "new", "profile": map[string]any{"version": 1}}, nil)
	if got := b.saves["new"]; got != `{"version":1}` {
		t.Errorf("saved %q", got)
	}
	s.mustCall("llxprt/status", nil, &st)
	if st["profile"] != "work" || st["lastServed"] != "b1" {
		t.Errorf("status = %v", st)
	}
	var logins []map[string]any
	s.mustCall("llxprt/auth/status", nil, &logins)
	if len(logins) != 1 || logins[0]["provider"] != "qwen" || logins[0]["logged_in"] != false {
		t.Errorf("auth status = %v", logins)
	}
	if err := s.call("workspace/executeCommand", map[string]any{"command": "llxprt.auth.status"}, &logins); err != nil || len(logins) != 1 {
		t.Errorf("llxprt.auth.status: %v %v", logins, err)
	}

	// The same through workspace/executeCommand.
	exec := func(cmd string, args ...any) *rpcError {
		p := map[string]any{"command": cmd}
		if len(args) > 0 {
			p["arguments"] = args
		}
		return s.call("workspace/executeCommand", p, nil)
	}
	for _, err := range []*rpcError{
		exec("llxprt.profile.list"),
		exec("llxprt.profile.load", "work"),
		exec("llxprt.profile.load", map[string]any{"name": "home"}),
		exec("llxprt.profile.save", map[string]any{"name": "n2", "profile": map[string]any{"a": 1}}),
		exec("llxprt.status"),
		exec("llxprt.chat", map[string]any{"prompt": "hey"}),
	} {
		if err != nil {
			t.Errorf("executeCommand: %v", err)
		}
	}
	if diff := cmp.Diff([]string{"home", "work", "home"}, b.loads); diff != "" {
		t.Errorf("loads (-want +got):\n%s", diff)
	}
	if err := exec("llxprt.nope"); err == nil || err.Code != -32602 {
		t.Errorf("unknown command: %v", err)
	}
}

func TestStatusNotifications(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)
	s.mustCall("llxprt/status", nil, nil) // initialized has been handled
	b.emit(server.StatusEvent{Kind: "normal", Busy: true, Message: "asking", Profile: "work", Bucket: "b1"})
	b.emit(withFailover(server.StatusEvent{Kind: "warning", Message: "failover from b1 to b2: 529 overloaded", Profile: "work", Bucket: "b2"}))

	var got []json.RawMessage
	s.waitFor("logMessage", isNote("window/logMessage"))
	for _, m := range s.received() {
		if m.Method == "llxprt/didChangeStatus" || m.Method == "window/logMessage" {
			got = append(got, m.Params)
		}
	}
	want := []string{
		`{"kind":"normal","busy":true,"message":"asking","profile":"work","bucket":"b1"}`,
		`{"kind":"warning","busy":false,"message":"failover from b1 to b2: 529 overloaded","profile":"work","bucket":"b2","command":"llxprt.status"}`,
		`{"type":2,"message":"llxprt: failover from b1 to b2: 529 overloaded"}`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d notifications, want %d: %s", len(got), len(want), got)
	}
	for i := range want {
		if !jsonEqual(t, want[i], got[i]) {
			t.Errorf("notification %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	s.mustCall("shutdown", nil, nil)
	if n := b.subscribers(); n != 0 {
		t.Errorf("still subscribed after shutdown")
	}
}

// withFailover sets ev.Failover to a zero event (the front end only needs
// it to be set; its type belongs to the balancer).
func withFailover(ev server.StatusEvent) server.StatusEvent {
	f := reflect.ValueOf(&ev).Elem().FieldByName("Failover")
	f.Set(reflect.New(f.Type().Elem()))
	return ev
}

// A client-given workDoneToken is used as is: no create call.
func TestWorkDoneProgressOnClientToken(t *testing.T) {
	s := start(t, newFake(), true, true, false)
	s.mustCall("llxprt/chat", map[string]any{"prompt": "hello", "workDoneToken": "wd-1"}, nil)
	var kinds []string
	for _, m := range s.received() {
		if m.Method == "window/workDoneProgress/create" {
			t.Errorf("created a token although the client gave one")
		}
		var p struct {
			Token string
			Value struct{ Kind string }
		}
		if m.Method == "$/progress" && json.Unmarshal(m.Params, &p) == nil && p.Token == "wd-1" {
			kinds = append(kinds, p.Value.Kind)
		}
	}
	if diff := cmp.Diff([]string{"begin", "end"}, kinds); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// Cancelling a resolve cancels the model call and answers RequestCancelled;
// work-done progress still ends.
func TestCancelResolve(t *testing.T) {
	b := newFake()
	started := make(chan struct{})
	b.run = func(ctx context.Context, req server.ActionRequest) (*server.ActionResult, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s := start(t, b, true, true, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	id, ch := s.start("codeAction/resolve", acts[0])
	<-started
	s.notify("$/cancelRequest", map[string]any{"id": id})
	if resp := s.wait(ch); resp.Error == nil || resp.Error.Code != -32800 {
		t.Fatalf("cancelled resolve: %+v", resp)
	}
	s.waitFor("progress end", func(m message) bool {
		return m.Method == "$/progress" && strings.Contains(string(m.Params), `"end"`)
	})
}

// Rapid incremental changes are applied in wire order: the attachment a
// chat sees is the document after all of them.
func TestChangesKeepOrder(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)
	s.open(docURI, "go", "")
	var want strings.Builder
	for i := range 300 {
		piece := string(rune('a'+i%26)) + "😀"
		if i%50 == 49 {
			piece = "\n"
		}
		// Insert at the end: line and UTF-16 column of the current end.
		lines := strings.Split(want.String(), "\n")
		last := lines[len(lines)-1]
		at := pos{len(lines) - 1, int(utf16Len(last))}
		s.notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": docURI, "version": i + 2},
			"contentChanges": []any{map[string]any{"range": rng{at, at}, "text": piece}},
		})
		want.WriteString(piece)
	}
	s.mustCall("llxprt/chat", map[string]any{"prompt": "x", "textDocument": map[string]any{"uri": docURI}}, nil)
	if got := b.chats[0].Context[0].Text; got != want.String() {
		t.Errorf("document after 300 changes:\n got %q\nwant %q", got, want.String())
	}
}
