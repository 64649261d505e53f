package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/server"
)

type pos struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

type rng struct {
	Start pos `json:"start"`
	End   pos `json:"end"`
}

type listedAction struct {
	Title       string          `json:"title"`
	Kind        string          `json:"kind"`
	Data        json.RawMessage `json:"data"`
	Diagnostics []any           `json:"diagnostics"`
	Edit        json.RawMessage `json:"edit"`
	Command     *struct {
		Command   string            `json:"command"`
		Arguments []json.RawMessage `json:"arguments"`
	} `json:"command"`
}

const goSrc = "package main\n\nfunc add(a, b int) int {\n\treturn a + b // ✓ 日本\n}\n"

func codeActionParams(r rng, diags []any) map[string]any {
	if diags == nil {
		diags = []any{}
	}
	return map[string]any{"textDocument": map[string]any{"uri": docURI}, "range": r, "context": map[string]any{"diagnostics": diags}}
}

func TestCodeActionListing(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)
	s.open(docURI, "go", goSrc)

	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{3, 2}, pos{3, 2}}, nil), &acts)
	titles := []string{}
	for _, a := range acts {
		titles = append(titles, a.Title)
		if a.Command != nil {
			t.Errorf("%s: command %+v for a client with resolve support", a.Title, a.Command)
		}
	}
	if diff := cmp.Diff([]string{"LLxprt: Refactor selection", "LLxprt: Generate tests", "LLxprt: Explain"}, titles); diff != "" {
		t.Errorf("titles (-want +got):\n%s", diff)
	}
	var data actionData
	if err := json.Unmarshal(acts[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	// An empty selection means the whole cursor line: "\treturn a + b // ✓ 日本" is 21 UTF-16 units.
	wantData := actionData{URI: docURI, Action: "refactor", Title: "LLxprt: Refactor selection", Kind: "refactor.rewrite", Version: 1}
	wantData.Range.Start.Line, wantData.Range.End.Line, wantData.Range.End.Character = 3, 3, 21
	if diff := cmp.Diff(wantData, data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if n := b.runCount(); n != 0 {
		t.Errorf("listing ran %d actions; it must never call a provider", n)
	}

	// A diagnostic touching the range brings "fix", carrying it; "only" filters.
	diag := map[string]any{"range": rng{pos{3, 1}, pos{3, 7}}, "message": "undefined: x", "severity": 1}
	far := map[string]any{"range": rng{pos{0, 0}, pos{0, 1}}, "message": "far away"}
	p := codeActionParams(rng{pos{3, 0}, pos{3, 10}}, []any{diag, far})
	p["context"].(map[string]any)["only"] = []string{"quickfix"}
	s.mustCall("textDocument/codeAction", p, &acts)
	if len(acts) != 1 || acts[0].Title != "LLxprt: Fix" || acts[0].Kind != "quickfix" || len(acts[0].Diagnostics) != 1 {
		t.Fatalf("with a diagnostic and only=quickfix: %+v", acts)
	}
	if err := json.Unmarshal(acts[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"undefined: x"}, data.Diagnostics); diff != "" {
		t.Errorf("fix diagnostics (-want +got):\n%s", diff)
	}

	// A document the server never saw gets an empty list, not an error.
	p = codeActionParams(rng{}, nil)
	p["textDocument"] = map[string]any{"uri": "file:///nowhere.go"}
	s.mustCall("textDocument/codeAction", p, &acts)
	if len(acts) != 0 {
		t.Errorf("unknown document: %d actions", len(acts))
	}
}

func TestCodeActionResolve(t *testing.T) {
	tests := []struct {
		name        string
		annotations bool
		sel         rng
		want        string // JSON of the expected edit
		wantCode    string // the code RunAction got
	}{
		{
			name:     "cursor line, plain changes",
			sel:      rng{pos{3, 4}, pos{3, 4}},
			want:     `{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":3,"character":0},"end":{"line":3,"character":21}},"newText":"// done\n\treturn a + b // ✓ 日本"}]}}`,
			wantCode: "\treturn a + b // ✓ 日本",
		},
		{
			name:        "selection, annotated for confirmation",
			annotations: true,
			sel:         rng{pos{3, 1}, pos{3, 13}},
			want:        `{"documentChanges":[{"textDocument":{"uri":"file:///tmp/x/main.go","version":1},"edits":[{"range":{"start":{"line":3,"character":1},"end":{"line":3,"character":13}},"newText":"// done\nreturn a + b","annotationId":"llxprt"}]}],"changeAnnotations":{"llxprt":{"label":"LLxprt: Refactor selection","needsConfirmation":true,"description":"suggested by fake m1"}}}`,
			wantCode:    "return a + b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			s := start(t, b, true, false, tt.annotations)
			s.open(docURI, "", goSrc) // no languageId: guessed from ".go"
			var acts []listedAction
			s.mustCall("textDocument/codeAction", codeActionParams(tt.sel, nil), &acts)
			var resolved listedAction
			s.mustCall("codeAction/resolve", acts[0], &resolved)
			if !jsonEqual(t, tt.want, resolved.Edit) {
				t.Errorf("edit:\n got %s\nwant %s", resolved.Edit, tt.want)
			}
			want := []server.ActionRequest{{Action: "refactor", Code: tt.wantCode, Language: "go", Path: "/tmp/x/main.go"}}
			if diff := cmp.Diff(want, b.runs); diff != "" {
				t.Errorf("RunAction (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveExplainShowsMessage(t *testing.T) {
	s := start(t, newFake(), true, false, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	var resolved listedAction
	s.mustCall("codeAction/resolve", acts[2], &resolved)
	if len(resolved.Edit) != 0 || resolved.Command != nil {
		t.Errorf("explain resolved with edit %s / command %+v, want neither", resolved.Edit, resolved.Command)
	}
	var data actionData
	_ = json.Unmarshal(resolved.Data, &data)
	if data.Explanation != "it adds" {
		t.Errorf("data.explanation = %q", data.Explanation)
	}
	m := s.waitFor("showMessage", isNote("window/showMessage"))
	if !jsonEqual(t, `{"type":3,"message":"LLxprt: Explain: it adds"}`, m.Params) {
		t.Errorf("showMessage = %s", m.Params)
	}
}

func TestResolveAfterEditIsContentModified(t *testing.T) {
	s := start(t, newFake(), true, false, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": docURI, "version": 2},
		"contentChanges": []any{map[string]any{"range": rng{pos{0, 0}, pos{0, 0}}, "text": "// x\n"}},
	})
	if err := s.call("codeAction/resolve", acts[0], nil); err == nil || err.Code != -32801 {
		t.Fatalf("resolve after an edit: err = %v, want ContentModified", err)
	}
}

// A client without resolve support gets a command; executing it runs the
// action and sends workspace/applyEdit.
func TestApplyCodeActionCommand(t *testing.T) {
	s := start(t, newFake(), false, false, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{3, 1}, pos{3, 7}}, nil), &acts)
	cmd := acts[0].Command
	if cmd == nil || cmd.Command != "llxprt.applyCodeAction" || len(cmd.Arguments) != 1 {
		t.Fatalf("command = %+v, want llxprt.applyCodeAction with one argument", cmd)
	}
	var out struct{ Applied bool }
	s.mustCall("workspace/executeCommand", map[string]any{"command": cmd.Command, "arguments": cmd.Arguments}, &out)
	if !out.Applied {
		t.Errorf("applied = false")
	}
	m := s.waitFor("applyEdit", func(m message) bool { return m.Method == "workspace/applyEdit" })
	want := `{"label":"LLxprt: Refactor selection","edit":{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":3,"character":1},"end":{"line":3,"character":7}},"newText":"// done\nreturn"}]}}}`
	if !jsonEqual(t, want, m.Params) {
		t.Errorf("applyEdit:\n got %s\nwant %s", m.Params, want)
	}
}

func TestResolveFailure(t *testing.T) {
	b := newFake()
	b.run = func(ctx context.Context, req server.ActionRequest) (*server.ActionResult, error) {
		return nil, errFake
	}
	s := start(t, b, true, false, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	err := s.call("codeAction/resolve", acts[0], nil)
	if err == nil || err.Code != -32803 || err.Message != errFake.Error() {
		t.Fatalf("err = %v, want RequestFailed with the backend's message", err)
	}
	if err := s.call("codeAction/resolve", map[string]any{"title": "x", "data": 5}, nil); err == nil || err.Code != -32602 || !containsAll(err.Message, "data") {
		t.Fatalf("bad data: err = %v, want InvalidParams naming data", err)
	}
}

func jsonEqual(t *testing.T, want string, got []byte) bool {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	return cmp.Equal(w, g)
}

// "Generate tests" keeps the code: the edit inserts the tests after the
// range with one blank line between, whether the range ends at a line's end
// (the cursor line) or at the start of the next line (whole lines selected).
func TestResolveTestInsertsAfterTheRange(t *testing.T) {
	const tests = "func TestAdd(t *testing.T) {}\n"
	cases := []struct {
		name string
		sel  rng
		want string // JSON of the expected edit
	}{
		{
			name: "cursor line",
			sel:  rng{pos{4, 0}, pos{4, 0}},
			want: `{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":4,"character":1},"end":{"line":4,"character":1}},"newText":"\n\nfunc TestAdd(t *testing.T) {}"}]}}`,
		},
		{
			name: "cursor line with code below",
			sel:  rng{pos{2, 3}, pos{2, 3}},
			want: `{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":2,"character":24},"end":{"line":2,"character":24}},"newText":"\n\nfunc TestAdd(t *testing.T) {}\n"}]}}`,
		},
		{
			name: "whole lines",
			sel:  rng{pos{2, 0}, pos{5, 0}},
			want: `{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":5,"character":0},"end":{"line":5,"character":0}},"newText":"\nfunc TestAdd(t *testing.T) {}\n"}]}}`,
		},
		{
			name: "whole lines and a blank one",
			sel:  rng{pos{0, 0}, pos{2, 0}},
			want: `{"changes":{"file:///tmp/x/main.go":[{"range":{"start":{"line":2,"character":0},"end":{"line":2,"character":0}},"newText":"func TestAdd(t *testing.T) {}\n\n"}]}}`,
		},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			b.run = func(ctx context.Context, req server.ActionRequest) (*server.ActionResult, error) {
				return &server.ActionResult{Code: tests, Placement: server.PlaceAfter}, nil
			}
			s := start(t, b, true, false, false)
			s.open(docURI, "go", goSrc)
			var acts []listedAction
			s.mustCall("textDocument/codeAction", codeActionParams(tt.sel, nil), &acts)
			var resolved listedAction
			s.mustCall("codeAction/resolve", acts[1], &resolved) // LLxprt: Generate tests
			if !jsonEqual(t, tt.want, resolved.Edit) {
				t.Errorf("edit:\n got %s\nwant %s", resolved.Edit, tt.want)
			}
		})
	}
}

// A didChange the server cannot apply leaves it not knowing the text: it
// forgets the document rather than run actions (and send edits) against a
// stale copy, until the client opens it again.
func TestUnappliableChangeForgetsTheDocument(t *testing.T) {
	b := newFake()
	s := start(t, b, true, false, false)
	s.open(docURI, "go", goSrc)
	var acts []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &acts)
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": docURI, "version": 2},
		"contentChanges": []any{map[string]any{"range": rng{pos{99, 0}, pos{99, 0}}, "text": "x"}},
	})
	if err := s.call("codeAction/resolve", acts[0], nil); err == nil {
		t.Error("resolve on a document whose change failed: no error")
	}
	if n := b.runCount(); n != 0 {
		t.Errorf("%d actions ran on the stale text", n)
	}
	var after []listedAction
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &after)
	if len(after) != 0 {
		t.Errorf("%d actions listed for a document the server lost track of", len(after))
	}
	s.open(docURI, "go", goSrc) // reopening brings them back
	s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{2, 0}, pos{2, 0}}, nil), &after)
	if len(after) == 0 {
		t.Error("no actions after the document was opened again")
	}
}

// The user types while the model works on an action: the edit, computed on
// the text as it was, would land on the wrong characters (a plain "changes"
// edit carries no version for the client to check), so resolve answers
// ContentModified and the command path sends no workspace/applyEdit.
func TestEditDuringActionIsContentModified(t *testing.T) {
	for _, resolve := range []bool{true, false} {
		t.Run(fmt.Sprintf("resolve=%v", resolve), func(t *testing.T) {
			b := newFake()
			started, release := make(chan struct{}), make(chan struct{})
			b.run = func(ctx context.Context, req server.ActionRequest) (*server.ActionResult, error) {
				close(started)
				<-release
				return &server.ActionResult{Code: "// done\n" + req.Code, Placement: server.PlaceReplace}, nil
			}
			s := start(t, b, resolve, false, false)
			s.open(docURI, "go", goSrc)
			var acts []listedAction
			s.mustCall("textDocument/codeAction", codeActionParams(rng{pos{3, 1}, pos{3, 7}}, nil), &acts)
			var ch chan message
			if resolve {
				_, ch = s.start("codeAction/resolve", acts[0])
			} else {
				_, ch = s.start("workspace/executeCommand", map[string]any{"command": acts[0].Command.Command, "arguments": acts[0].Command.Arguments})
			}
			<-started
			s.notify("textDocument/didChange", map[string]any{
				"textDocument":   map[string]any{"uri": docURI, "version": 2},
				"contentChanges": []any{map[string]any{"range": rng{pos{0, 0}, pos{0, 0}}, "text": "// x\n"}},
			})
			s.mustCall("llxprt/status", nil, nil) // the change has been applied
			close(release)
			resp := s.wait(ch)
			if resp.Error == nil || resp.Error.Code != -32801 {
				t.Fatalf("action after the document changed under it: %+v, want ContentModified", resp)
			}
			for _, m := range s.received() {
				if m.Method == "workspace/applyEdit" {
					t.Errorf("workspace/applyEdit sent with a stale range: %s", m.Params)
				}
			}
		})
	}
}
