package lsp

import (
	"context"
	"encoding/json"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/llxprt/llxprt-ls/server"
)

// actionData is a listed action's "data" (and the llxprt.applyCodeAction
// argument): everything resolve needs to run it later.
type actionData struct {
	URI         uri.URI        `json:"uri"`
	Range       protocol.Range `json:"range"`
	Action      string         `json:"action"`
	Title       string         `json:"title,omitempty"`
	Kind        string         `json:"kind,omitempty"`
	Version     int32          `json:"version"`
	Diagnostics []string       `json:"diagnostics,omitempty"`
	// Explanation is filled in by resolve for explain, for clients that
	// show it themselves rather than rely on window/showMessage.
	Explanation string `json:"explanation,omitempty"`
}

// CodeAction lists the actions for the selection, or for the whole cursor
// line when the selection is empty. It never calls a model and copies no
// text: editors ask on every cursor move.
func (s *langServer) CodeAction(ctx context.Context, params *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	d, ok := s.docs.get(params.TextDocument.URI)
	if !ok {
		return []protocol.CommandOrCodeAction{}, nil
	}
	rng := params.Range
	if rng.Start == rng.End {
		var err error
		if rng, err = d.lineRange(rng.Start.Line); err != nil {
			return nil, invalidParams(protocol.MethodTextDocumentCodeAction, "range: %v", err)
		}
	}
	var diags []protocol.Diagnostic
	for _, dg := range params.Context.Diagnostics {
		if touches(dg.Range, rng) {
			diags = append(diags, dg)
		}
	}
	acts := s.b.Actions(len(diags) > 0)
	caps := s.capabilities()
	out := make([]protocol.CommandOrCodeAction, 0, len(acts))
	for _, a := range acts {
		if !kindWanted(a.Kind, params.Context.Only) {
			continue
		}
		data := actionData{URI: d.uri, Range: rng, Action: a.ID, Title: a.Title, Kind: a.Kind, Version: d.version}
		ca := &protocol.CodeAction{Title: a.Title}
		if a.Kind != "" {
			k := protocol.CodeActionKind(a.Kind)
			ca.Kind = &k
		}
		if a.ID == "fix" {
			ca.Diagnostics = diags
			for _, dg := range diags {
				data.Diagnostics = append(data.Diagnostics, diagMessage(dg.Message))
			}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		ca.Data = raw
		if !caps.resolveEdit {
			ca.Command = protocol.Command{Title: a.Title, Command: cmdApplyCodeAction, Arguments: []protocol.LSPAny{raw}}
		}
		out = append(out, ca)
	}
	return out, nil
}

// touches reports whether two ranges overlap or meet.
func touches(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

func before(p, q protocol.Position) bool {
	return p.Line < q.Line || (p.Line == q.Line && p.Character < q.Character)
}

// kindWanted applies the client's "only" filter: a kind matches a wanted
// kind equal to it or a prefix of it ("refactor" matches "refactor.rewrite").
func kindWanted(kind string, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if kind == string(o) || strings.HasPrefix(kind, string(o)+".") {
			return true
		}
	}
	return false
}

// CodeActionResolve runs the action named by data and returns it with its
// edit. For explain there is no edit: the explanation goes to the user with
// window/showMessage and into data.explanation, and the action comes back
// without edit or command, so applying it changes nothing.
func (s *langServer) CodeActionResolve(ctx context.Context, params *protocol.CodeAction) (*protocol.CodeAction, error) {
	jsonrpc2.Async(ctx)
	const method = protocol.MethodCodeActionResolve
	var data actionData
	if err := json.Unmarshal(params.Data, &data); err != nil || data.URI == "" || data.Action == "" {
		return nil, invalidParams(method, "data: want the object the server put in the listed action ({uri, range, action, version}): %v", errOr(err, "missing uri or action"))
	}
	if data.Title == "" {
		data.Title = params.Title
	}
	res, edit, err := s.runAction(ctx, method, data)
	if err != nil {
		return nil, err
	}
	params.Edit = edit
	params.Command = protocol.Command{}
	if edit == nil {
		data.Explanation = res.Explanation
		if raw, err := json.Marshal(data); err == nil {
			params.Data = raw
		}
	}
	return params, nil
}

// runAction runs one code action on its range and builds the edit; for an
// action without code (explain) it shows the explanation and returns no edit.
func (s *langServer) runAction(ctx context.Context, method string, data actionData) (*server.ActionResult, *protocol.WorkspaceEdit, error) {
	d, ok := s.docs.get(data.URI)
	if !ok {
		return nil, nil, invalidParams(method, "data.uri: %s is not open", data.URI)
	}
	if d.version != data.Version {
		return nil, nil, jsonrpc2.Errorf(protocol.CodeContentModified, "lsp: %s: %s changed since the action was listed (version %d, now %d); ask for code actions again", method, data.URI, data.Version, d.version)
	}
	code, err := d.slice(data.Range)
	if err != nil {
		return nil, nil, invalidParams(method, "data.range: %v", err)
	}
	pr := s.beginProgress(ctx, nil, data.Title)
	res, err := s.b.RunAction(ctx, server.ActionRequest{
		Action:      data.Action,
		Code:        code,
		Language:    d.language,
		Path:        docPath(d.uri),
		Diagnostics: data.Diagnostics,
	}, nil)
	pr.end(endMessage(err))
	if err != nil {
		return nil, nil, failed(ctx, method, err)
	}
	if res.Code == "" {
		msg := strings.TrimSpace(res.Explanation)
		if msg == "" {
			msg = "(no answer)"
		}
		_ = s.client.ShowMessage(context.WithoutCancel(ctx), &protocol.ShowMessageParams{
			Type:    protocol.MessageTypeInfo,
			Message: data.Title + ": " + msg,
		})
		return res, nil, nil
	}
	// The model takes seconds; the user may have typed meanwhile. The edit's
	// range is in the text as it was, and a plain "changes" edit carries no
	// version for the client to check, so a changed document is refused
	// here rather than edited at the wrong place.
	if cur, ok := s.docs.get(data.URI); !ok || cur.version != d.version {
		return nil, nil, jsonrpc2.Errorf(protocol.CodeContentModified, "lsp: %s: %s changed while the action ran; run it again", method, data.URI)
	}
	return res, s.editFor(d, data, res), nil
}

// editFor builds the edit: replacing exactly data.Range with the result's
// code, or, for code placed after the range (generated tests), inserting it
// at the range's end with the code left as it was. Rewrites carry a change
// annotation needing confirmation when the client supports it (VS Code then
// shows a refactor preview).
func (s *langServer) editFor(d *document, data actionData, res *server.ActionResult) *protocol.WorkspaceEdit {
	edit := protocol.TextEdit{Range: data.Range, NewText: res.Code}
	if res.Placement == server.PlaceAfter {
		edit = insertAfter(d, data.Range.End, res.Code)
	}
	caps := s.capabilities()
	if !caps.annotations || !strings.HasPrefix(data.Kind, "refactor") {
		return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{d.uri: {edit}}}
	}
	const id = protocol.ChangeAnnotationIdentifier("llxprt")
	v := d.version
	desc := "suggested by " + res.Provider + " " + res.Model
	return &protocol.WorkspaceEdit{
		DocumentChanges: []protocol.DocumentChange{&protocol.TextDocumentEdit{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: d.uri}, Version: &v},
			Edits:        []protocol.TextDocumentEditElement{&protocol.AnnotatedTextEdit{TextEdit: edit, AnnotationID: id}},
		}},
		ChangeAnnotations: map[protocol.ChangeAnnotationIdentifier]protocol.ChangeAnnotation{
			id: {Label: data.Title, NeedsConfirmation: ptr(true), Description: &desc},
		},
	}
}

// insertAfter builds the edit adding code at end (a range's end, already
// validated) with one blank line between it and the text before, and one
// between it and more text after, in the document's line ending. An
// insertion rather than a replacement of the range with code + tests: the
// user's code is untouched (no reindent, no risk of a changed byte) and the
// client's preview shows only what is added.
func insertAfter(d *document, end protocol.Position, code string) protocol.TextEdit {
	nl := "\n"
	if strings.Contains(d.text, "\r\n") {
		nl = "\r\n"
	}
	off, _ := d.offset(end)
	before, after := d.text[:off], d.text[off:]
	atLineStart := before == "" || endsLine(before)
	var b strings.Builder
	switch {
	case !atLineStart:
		// The range ends inside a line: end it, then a blank line.
		b.WriteString(nl + nl)
	case before != "" && !endsLine(trimLineBreak(before)):
		// The range ends with its last line's break: add the blank line.
		b.WriteString(nl)
	}
	b.WriteString(strings.TrimRight(code, "\r\n"))
	rest, brk := cutLineBreak(after)
	switch {
	case atLineStart:
		// The tests end their own line; a blank one follows when more text
		// does, unless it starts with a blank line already.
		b.WriteString(nl)
		if after != "" && !brk {
			b.WriteString(nl)
		}
	case brk:
		// The range's own line break follows the tests; a blank line
		// separates them from the next line when it has text.
		if _, blank := cutLineBreak(rest); rest != "" && !blank {
			b.WriteString(nl)
		}
	case after != "":
		// Text follows on the same line: it moves below the tests.
		b.WriteString(nl + nl)
	}
	return protocol.TextEdit{Range: protocol.Range{Start: end, End: end}, NewText: b.String()}
}

// endsLine reports whether s ends with a line break.
func endsLine(s string) bool {
	return strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\r")
}

// trimLineBreak removes one trailing line break.
func trimLineBreak(s string) string {
	for _, br := range []string{"\r\n", "\n", "\r"} {
		if r, ok := strings.CutSuffix(s, br); ok {
			return r
		}
	}
	return s
}

// cutLineBreak removes a leading line break ("\r\n", "\n" or "\r").
func cutLineBreak(s string) (rest string, found bool) {
	for _, br := range []string{"\r\n", "\n", "\r"} {
		if r, ok := strings.CutPrefix(s, br); ok {
			return r, true
		}
	}
	return s, false
}

// docPath is the file path of a file: URI, else the URI itself.
func docPath(u uri.URI) string {
	if u.IsFile() {
		return u.FsPath()
	}
	return string(u)
}

func errOr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// diagMessage is a diagnostic's message as text (LSP 3.18 allows markup).
func diagMessage(m protocol.InlayHintTooltip) string {
	switch v := m.(type) {
	case protocol.String:
		return string(v)
	case *protocol.MarkupContent:
		return v.Value
	}
	return ""
}
