package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/profile"
)

// Action is one code action an editor can offer for a range.
type Action struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Kind  string `json:"kind"`  // an LSP code action kind: "quickfix", "refactor.rewrite", "source"
	Edits bool   `json:"edits"` // false for explain: the answer is shown, not applied
	// Placement says where the result's code goes: PlaceReplace or
	// PlaceAfter; "" for explain.
	Placement string `json:"placement,omitempty"`
}

// Where an action's code goes.
const (
	// PlaceReplace: the code replaces the range (fix, refactor, document,
	// instructions, user actions).
	PlaceReplace = "replace"
	// PlaceAfter: the code is added after the range, which stays as it was
	// (test: the tests go under the code they test).
	PlaceAfter = "after"
)

// ActionRequest asks for one code action on a piece of code.
type ActionRequest struct {
	Action      string   `json:"action"` // an Action ID, or a free-text instruction
	Code        string   `json:"code"`   // the selected code (or the cursor line)
	Language    string   `json:"language,omitempty"`
	Path        string   `json:"path,omitempty"`
	Diagnostics []string `json:"diagnostics,omitempty"` // messages of the diagnostics touching the range
}

// ActionResult is a finished code action.
type ActionResult struct {
	// Code is the reply's first fenced block, shifted to the original's
	// first-line indentation, without markdown: the replacement for the
	// range, or with Placement PlaceAfter the code to add after it (the
	// tests of "test"); "" for explain.
	Code string `json:"code"`
	// Placement is PlaceReplace or PlaceAfter; "" for explain.
	Placement string `json:"placement,omitempty"`
	// Explanation is the answer for explain, and any prose the model added
	// around the code for the others.
	Explanation string `json:"explanation,omitempty"`
	ChatResult
}

// ActionMarker opens every code-action prompt: "[llxprt-ls code action: ID]".
// It tells a reader of the logs (and the demo's simulated providers) which
// action a prompt is for.
const ActionMarker = "[llxprt-ls code action: "

// actionSystem is the system prompt of every code action except explain.
const actionSystem = "You are a careful senior programmer working inside the user's editor. " +
	"Answer with the complete replacement for the code you are given, in exactly one fenced code block, " +
	"keeping its language, style and indentation. Do not add anything outside the block unless it is essential."

// addSystem is the system prompt of an action whose code is added after
// the given code (test).
const addSystem = "You are a careful senior programmer working inside the user's editor. " +
	"Answer with only the new code to add after the code you are given, in exactly one fenced code block, " +
	"in its language and style. Do not repeat the given code: it stays as it is."

const explainSystem = "You are a careful senior programmer working inside the user's editor. " +
	"Explain the code you are given clearly and briefly. Do not rewrite it."

// builtin is one of the actions every editor gets. Placement defaults to
// PlaceReplace for actions with edits.
type builtin struct {
	Action
	Instruction string
	NeedsDiag   bool
}

var builtins = []builtin{
	{Action{"fix", "LLxprt: Fix", "quickfix", true, PlaceReplace}, "Fix the problems in this code. The diagnostics the editor reports are listed below.", true},
	{Action{"refactor", "LLxprt: Refactor selection", "refactor.rewrite", true, PlaceReplace}, "Refactor this code to be clearer and simpler without changing what it does.", false},
	{Action{"document", "LLxprt: Add documentation", "refactor.rewrite", true, PlaceReplace}, "Add documentation comments to this code in the idiomatic style of its language. Do not change the code itself.", false},
	{Action{"test", "LLxprt: Generate tests", "source", true, PlaceAfter}, "Write unit tests for this code in the idiomatic test style of its language. Answer with the test code only: it is added after this code, which stays.", false},
	{Action{"explain", "LLxprt: Explain", "", false, ""}, "Explain what this code does, how, and anything surprising in it.", false},
}

// userAction is one entry of settings.json's "actions".
type userAction struct {
	Title  string `json:"title"`
	Kind   string `json:"kind"`
	Prompt string `json:"prompt"`
}

// settings caches <config-dir>/settings.json's user actions, re-read when the
// file's modification time changes (editors list actions on every cursor
// move, so this must cost a stat, not a parse).
type settings struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	actions []userAction
	err     error
}

func (st *settings) userActions() ([]userAction, error) {
	if st.path == "" {
		return nil, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	fi, err := os.Stat(st.path)
	if errors.Is(err, os.ErrNotExist) {
		st.actions, st.err, st.modTime = nil, nil, time.Time{}
		return nil, nil
	}
	if err != nil {
		return st.actions, fmt.Errorf("server: settings: %w", err)
	}
	if fi.ModTime().Equal(st.modTime) && fi.Size() == st.size {
		return st.actions, st.err
	}
	st.modTime, st.size = fi.ModTime(), fi.Size()
	st.actions, st.err = readUserActions(st.path)
	return st.actions, st.err
}

func readUserActions(path string) ([]userAction, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server: settings: %w", err)
	}
	var doc struct {
		Actions []userAction `json:"actions"`
	}
	if err := profile.DecodeSettings(data, &doc); err != nil {
		return nil, fmt.Errorf("server: %s: %w", filepath.Base(path), err)
	}
	out := make([]userAction, 0, len(doc.Actions))
	for i, a := range doc.Actions {
		if strings.TrimSpace(a.Title) == "" || strings.TrimSpace(a.Prompt) == "" {
			return nil, fmt.Errorf("server: %s: actions[%d]: want a title and a prompt", filepath.Base(path), i)
		}
		if a.Kind == "" {
			a.Kind = "refactor.rewrite"
		}
		out = append(out, a)
	}
	return out, nil
}

// actionList builds the list Actions returns.
func actionList(hasDiagnostics bool, user []userAction) []Action {
	out := make([]Action, 0, len(builtins)+len(user))
	for _, b := range builtins {
		if b.NeedsDiag && !hasDiagnostics {
			continue
		}
		out = append(out, b.Action)
	}
	for i, u := range user {
		a := Action{ID: "custom:" + strconv.Itoa(i), Title: u.Title, Kind: u.Kind, Edits: u.Kind != "explain"}
		if a.Edits {
			a.Placement = PlaceReplace
		}
		out = append(out, a)
	}
	return out
}

// actionPrompt builds the system and user prompts for a request: a built-in
// action's instruction, a user action's template with its placeholders
// filled, or, for any other text, that text as the instruction. placement
// says where the reply's code goes ("" for an explanation).
func actionPrompt(req ActionRequest, user []userAction) (system, prompt, placement string, err error) {
	id := strings.TrimSpace(req.Action)
	if id == "" {
		return "", "", "", inputErr("action", "empty; want fix, refactor, document, test, explain, custom:N or an instruction")
	}
	marker := ActionMarker + markerID(id) + "]\n"
	for _, b := range builtins {
		if b.ID == id {
			return systemFor(b.Placement), marker + b.Instruction + "\n\n" + codeContext(req), b.Placement, nil
		}
	}
	if n, ok := strings.CutPrefix(id, "custom:"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(user) {
			return "", "", "", inputErr("action", "%q: no such user action (settings.json has %d)", id, len(user))
		}
		u := user[i]
		p := fillTemplate(u.Prompt, req)
		if !strings.Contains(u.Prompt, "{{code}}") {
			p += "\n\n" + codeContext(req)
		}
		placement := PlaceReplace
		if u.Kind == "explain" {
			placement = ""
		}
		return systemFor(placement), marker + p, placement, nil
	}
	return actionSystem, marker + "Apply this instruction to the code: " + id + "\n\n" + codeContext(req), PlaceReplace, nil
}

// systemFor is the system prompt for an action whose code goes at placement.
func systemFor(placement string) string {
	switch placement {
	case PlaceAfter:
		return addSystem
	case PlaceReplace:
		return actionSystem
	}
	return explainSystem
}

// markerID keeps the marker on one short line for free-text instructions.
func markerID(id string) string {
	for _, b := range builtins {
		if b.ID == id {
			return id
		}
	}
	if strings.HasPrefix(id, "custom:") {
		return id
	}
	return "instruction"
}

// codeContext is the block every prompt carries: where the code is from,
// the diagnostics, and the code itself in a fence long enough not to clash
// with backticks inside it.
func codeContext(req ActionRequest) string {
	var b strings.Builder
	if req.Path != "" {
		fmt.Fprintf(&b, "File: %s\n", req.Path)
	}
	if req.Language != "" {
		fmt.Fprintf(&b, "Language: %s\n", req.Language)
	}
	if len(req.Diagnostics) > 0 {
		b.WriteString("Diagnostics:\n")
		for _, d := range req.Diagnostics {
			fmt.Fprintf(&b, "- %s\n", d)
		}
	}
	b.WriteString("\n")
	b.WriteString(fenced(req.Code, req.Language))
	b.WriteString("\n")
	return b.String()
}

// fenced puts code in a fence longer than any run of backticks inside it.
func fenced(code, language string) string {
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + language + "\n" + strings.TrimRight(code, "\n") + "\n" + fence
}

// fillTemplate fills a user action's placeholders. {{code}} becomes the
// code in a fenced block tagged with its language, so the model (and the
// reply's extraction) can tell code from instructions.
func fillTemplate(tmpl string, req ActionRequest) string {
	return strings.NewReplacer(
		"{{code}}", fenced(req.Code, req.Language),
		"{{language}}", req.Language,
		"{{path}}", req.Path,
		"{{diagnostics}}", strings.Join(req.Diagnostics, "\n"),
	).Replace(tmpl)
}
