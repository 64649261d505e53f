package server

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExtractCode(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  extracted
	}{
		{"no fence", "  x := 1\n", extracted{Code: "  x := 1"}},
		{"fence with language", "Here:\n```go\nx := 1\ny := 2\n```\nDone.", extracted{Code: "x := 1\ny := 2", Prose: "Here:\nDone.", Fence: true}},
		{"first block wins", "```\na\n```\n```\nb\n```", extracted{Code: "a", Prose: "```\nb\n```", Fence: true}},
		{"tilde fence", "~~~python\nprint(1)\n~~~", extracted{Code: "print(1)", Fence: true}},
		{"longer fence holds backticks", "````md\n```go\nx\n```\n````", extracted{Code: "```go\nx\n```", Fence: true}},
		{"unterminated fence runs to the end", "```go\nfunc f() {\n", extracted{Code: "func f() {", Fence: true}},
		{"crlf", "```go\r\nx := 1\r\n```\r\n", extracted{Code: "x := 1", Fence: true}},
		{"indented fence", "  ```js\n  let a\n  ```", extracted{Code: "  let a", Fence: true}},
		{"empty block", "```\n```", extracted{Code: "", Fence: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, extractCode(tt.reply)); diff != "" {
				t.Errorf("extractCode(%q) (-want +got):\n%s", tt.reply, diff)
			}
		})
	}
}

func TestFitIndent(t *testing.T) {
	tests := []struct {
		name, orig, code, want string
	}{
		{"same indent", "\tx := 1\n", "\tx := 2", "\tx := 2\n"},
		{"dedented reply gets the original indent", "\tif a {\n\t\tb()\n\t}\n", "if a {\n\tb()\n}", "\tif a {\n\t\tb()\n\t}\n"},
		{"over-indented reply is pulled back", "x()\n", "    x()\n    y()", "x()\ny()\n"},
		{"spaces", "    return x", "return x + 1", "    return x + 1"},
		{"blank lines stay blank", "  a\n", "a\n\nb", "  a\n\n  b\n"},
		{"tabs against spaces swap the first indent", "\tfoo()\n", "  foo()\n  bar()", "\tfoo()\n\tbar()\n"},
		{"no trailing newline when the original had none", "a", "b\n\n", "b"},
		{"leading blank lines in the original", "\n    a\n", "a", "    a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitIndent(tt.orig, tt.code); got != tt.want {
				t.Errorf("fitIndent(%q, %q) = %q, want %q", tt.orig, tt.code, got, tt.want)
			}
		})
	}
}

func TestActionPrompt(t *testing.T) {
	user := []userAction{{Title: "Translate", Kind: "refactor.rewrite", Prompt: "Translate {{language}} at {{path}} to Rust:\n{{code}}\n{{diagnostics}}"}}
	req := ActionRequest{Code: "x = 1", Language: "python", Path: "a.py", Diagnostics: []string{"unused x"}}
	tests := []struct {
		name, action  string
		wantPlacement string
		wantIn        []string
		wantErrField  string
	}{
		{"builtin fix", "fix", PlaceReplace, []string{ActionMarker + "fix]", "- unused x", "```python\nx = 1\n```", "File: a.py"}, ""},
		{"explain", "explain", "", []string{ActionMarker + "explain]"}, ""},
		{"user action", "custom:0", PlaceReplace, []string{ActionMarker + "custom:0]", "Translate python at a.py to Rust:\n```python\nx = 1\n```\nunused x"}, ""},
		{"test keeps the code", "test", PlaceAfter, []string{ActionMarker + "test]", "added after this code, which stays"}, ""},
		{"free text", "convert to a list comprehension", PlaceReplace, []string{ActionMarker + "instruction]", "Apply this instruction to the code: convert to a list comprehension"}, ""},
		{"unknown user action", "custom:3", "", nil, "action"},
		{"empty", "  ", "", nil, "action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req
			r.Action = tt.action
			system, prompt, placement, err := actionPrompt(r, user)
			if tt.wantErrField != "" {
				ie, ok := AsInputError(err)
				if !ok || ie.Field != tt.wantErrField {
					t.Fatalf("err = %v, want an InputError on %q", err, tt.wantErrField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if placement != tt.wantPlacement || system != systemFor(placement) {
				t.Errorf("placement = %q (system %q), want %q", placement, system, tt.wantPlacement)
			}
			for _, s := range tt.wantIn {
				if !contains(prompt, s) {
					t.Errorf("prompt lacks %q:\n%s", s, prompt)
				}
			}
		})
	}
}

func TestCodeContextFenceLongerThanCode(t *testing.T) {
	got := codeContext(ActionRequest{Code: "s := \"```\"", Language: "go"})
	if !contains(got, "````go\n") {
		t.Errorf("fence not lengthened:\n%s", got)
	}
}

func TestActionList(t *testing.T) {
	ids := func(as []Action) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	user := []userAction{{Title: "Mine", Kind: "quickfix", Prompt: "p"}}
	if diff := cmp.Diff([]string{"refactor", "document", "test", "explain", "custom:0"}, ids(actionList(false, user))); diff != "" {
		t.Errorf("without diagnostics (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"fix", "refactor", "document", "test", "explain"}, ids(actionList(true, nil))); diff != "" {
		t.Errorf("with diagnostics (-want +got):\n%s", diff)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
