package lsp

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func p(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

func edit(sl, sc, el, ec uint32, text string) protocol.TextDocumentContentChangeEvent {
	return &protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: p(sl, sc), End: p(el, ec)}, Text: text}
}

// Positions count UTF-16 code units: an emoji outside the BMP is two, a CJK
// character one, whatever their UTF-8 length.
func TestIncrementalChanges(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		changes []protocol.TextDocumentContentChangeEvent
		want    string
	}{
		{"ascii insert", "hello\nworld\n", []protocol.TextDocumentContentChangeEvent{edit(1, 0, 1, 0, "big ")}, "hello\nbig world\n"},
		{"after an emoji", "a😀b\n", []protocol.TextDocumentContentChangeEvent{edit(0, 3, 0, 4, "B")}, "a😀B\n"},
		{"replace the emoji", "a😀b\n", []protocol.TextDocumentContentChangeEvent{edit(0, 1, 0, 3, "☺")}, "a☺b\n"},
		{"CJK", "日本語\n中文\n", []protocol.TextDocumentContentChangeEvent{edit(0, 1, 1, 1, "X")}, "日X文\n"},
		{"inside a surrogate pair snaps to its start", "😀z", []protocol.TextDocumentContentChangeEvent{edit(0, 1, 0, 1, "<")}, "<😀z"},
		{"past the line end means the line end", "ab\ncd", []protocol.TextDocumentContentChangeEvent{edit(0, 99, 0, 99, "!")}, "ab!\ncd"},
		{"CRLF lines", "ab\r\ncd\r\n", []protocol.TextDocumentContentChangeEvent{edit(1, 2, 1, 2, "!")}, "ab\r\ncd!\r\n"},
		{"lone CR is a line end", "ab\rcd", []protocol.TextDocumentContentChangeEvent{edit(1, 0, 1, 1, "C")}, "ab\rCd"},
		{"end of document", "ab\n", []protocol.TextDocumentContentChangeEvent{edit(1, 0, 1, 0, "cd")}, "ab\ncd"},
		{"line past the end is the end", "ab\n", []protocol.TextDocumentContentChangeEvent{edit(0, 2, 2, 0, "")}, "ab"},
		{"delete across lines with emoji", "x😀\ny🎉\nz", []protocol.TextDocumentContentChangeEvent{edit(0, 1, 1, 3, "")}, "x\nz"},
		{"sequence applies in order", "abc", []protocol.TextDocumentContentChangeEvent{
			edit(0, 3, 0, 3, "\n😀"), edit(1, 2, 1, 2, "!"), edit(0, 0, 0, 1, ""),
		}, "bc\n😀!"},
		{"whole document", "old", []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangeWholeDocument{Text: "new\n"}, edit(1, 0, 1, 0, "x")}, "new\nx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDocument(docURI, "", 1, tt.text)
			nd, err := d.apply(2, tt.changes)
			if err != nil {
				t.Fatal(err)
			}
			if nd.text != tt.want || nd.version != 2 || nd.language != "go" {
				t.Errorf("got %q v%d %s, want %q v2 go", nd.text, nd.version, nd.language, tt.want)
			}
			if d.text != tt.text {
				t.Errorf("the old snapshot changed: %q", d.text)
			}
			if want := lineStarts(tt.want); len(nd.lines) != len(want) {
				t.Errorf("line index %v, want %v", nd.lines, want)
			}
		})
	}
}

func TestBadChanges(t *testing.T) {
	d := newDocument(docURI, "go", 1, "ab\ncd\n")
	for _, ch := range []protocol.TextDocumentContentChangeEvent{edit(5, 0, 5, 0, "x"), edit(1, 1, 0, 0, "x")} {
		if _, err := d.apply(2, []protocol.TextDocumentContentChangeEvent{ch}); err == nil {
			t.Errorf("%+v: no error", ch)
		}
	}
}

func TestLineRangeAndSlice(t *testing.T) {
	d := newDocument(docURI, "go", 1, "\tfoo 😀 日\r\nbar")
	r, err := d.lineRange(0)
	if err != nil {
		t.Fatal(err)
	}
	if r.End.Character != 9 { // tab, foo, space, 😀 (2), space, 日
		t.Errorf("line 0 ends at %d, want 9", r.End.Character)
	}
	got, err := d.slice(r)
	if err != nil || got != "\tfoo 😀 日" {
		t.Errorf("slice = %q, %v", got, err)
	}
	if _, err := d.lineRange(2); err == nil {
		t.Error("line 2 of 2: no error")
	}
}

func TestGuessLanguage(t *testing.T) {
	for uri, want := range map[string]string{
		"file:///a/b.go": "go", "file:///a/B.PY": "python", "file:///a/Makefile": "makefile",
		"untitled:Untitled-1": "", "file:///x.tsx?y=1": "typescriptreact",
	} {
		if got := guessLanguage(uri); got != want {
			t.Errorf("%s: %q, want %q", uri, got, want)
		}
	}
}

// bigDocument is 5,000 lines of Go-ish code.
func bigDocument() string {
	var b strings.Builder
	for i := range 5000 {
		b.WriteString("\tfmt.Println(\"line\", ")
		b.WriteString(strings.Repeat("x", i%40))
		b.WriteString(") // 日本\n")
	}
	return b.String()
}
