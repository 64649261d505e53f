package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/llxprt/llxprt-ls/server"
)

// The custom requests and notification; editor plugins depend on these names.
const (
	methodChat            = "llxprt/chat"
	methodProfiles        = "llxprt/profiles"
	methodProfileLoad     = "llxprt/profile/load"
	methodProfileSave     = "llxprt/profile/save"
	methodStatus          = "llxprt/status"
	methodAuthStatus      = "llxprt/auth/status"
	methodDidChangeStatus = "llxprt/didChangeStatus"
)

// chatParams is llxprt/chat's params (and llxprt.chat's argument).
type chatParams struct {
	Prompt       string                           `json:"prompt"`
	SessionID    string                           `json:"sessionId"`
	TextDocument *protocol.TextDocumentIdentifier `json:"textDocument"`
	Range        *protocol.Range                  `json:"range"`
	Profile      string                           `json:"profile"`
	// PartialResultToken receives {text} pieces as $/progress while the
	// answer streams; WorkDoneToken receives begin/end.
	PartialResultToken json.RawMessage `json:"partialResultToken"`
	WorkDoneToken      json.RawMessage `json:"workDoneToken"`
}

type profileLoadParams struct {
	Name    string `json:"name"`
	Persist bool   `json:"persist"`
}

type profileSaveParams struct {
	Name    string          `json:"name"`
	Profile json.RawMessage `json:"profile"`
}

// custom serves the llxprt/* requests. It gets the raw params, so a request
// without params (llxprt/status) is fine and errors name the field.
func (s *langServer) custom(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	method := strings.Clone(req.Method())
	switch method {
	case methodChat, methodProfileLoad:
		// Release the read loop before reading params: Async moves them
		// out of the frame buffer the next message will overwrite.
		jsonrpc2.Async(ctx)
	}
	params := req.Params()
	switch method {
	case methodChat:
		var p chatParams
		if err := decodeParams(method, params, &p); err != nil {
			return nil, err
		}
		return s.chat(ctx, method, &p)
	case methodProfiles:
		return s.profiles(method)
	case methodProfileLoad:
		var p profileLoadParams
		if err := decodeParams(method, params, &p); err != nil {
			return nil, err
		}
		return s.loadProfile(ctx, method, p)
	case methodProfileSave:
		var p profileSaveParams
		if err := decodeParams(method, params, &p); err != nil {
			return nil, err
		}
		return s.saveProfile(method, p)
	case methodStatus:
		return rawJSON(s.b.Status()), nil
	case methodAuthStatus:
		return rawJSON(s.b.AuthStatus()), nil
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "lsp: method %q is not supported", method)
}

// decodeParams decodes a params object; encoding/json's errors name the
// field ("… Go struct field chatParams.prompt of type string").
func decodeParams(method string, raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return invalidParams(method, "want a params object")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidParams(method, "%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		if errors.As(err, &te) {
			return invalidParams(method, "want an object, got JSON %s", te.Value)
		}
		return invalidParams(method, "%v", err)
	}
	return nil
}

func (s *langServer) chat(ctx context.Context, method string, p *chatParams) (any, error) {
	if strings.TrimSpace(p.Prompt) == "" {
		return nil, invalidParams(method, "prompt: required, a non-empty string")
	}
	for name, tok := range map[string]json.RawMessage{"partialResultToken": p.PartialResultToken, "workDoneToken": p.WorkDoneToken} {
		if !validToken(tok) {
			return nil, invalidParams(method, "%s: want an integer or a string, got %s", name, tok)
		}
	}
	req := server.ChatRequest{Prompt: p.Prompt, SessionID: p.SessionID, Profile: p.Profile}
	if p.TextDocument != nil {
		att, err := s.attachment(p.TextDocument, p.Range)
		if err != nil {
			return nil, invalidParams(method, "%v", err)
		}
		req.Context = append(req.Context, att)
	} else if p.Range != nil {
		return nil, invalidParams(method, "range: given without textDocument")
	}

	var onDelta func(string)
	var stream *server.Coalescer
	if len(p.PartialResultToken) > 0 && string(p.PartialResultToken) != "null" {
		token := p.PartialResultToken
		nctx := context.WithoutCancel(ctx)
		stream = server.NewCoalescer(server.CoalesceInterval, func(text string) {
			s.progressValue(nctx, token, struct {
				Text string `json:"text"`
			}{text})
		})
		onDelta = stream.Add
	}
	pr := s.beginProgress(ctx, tokenOrNil(p.WorkDoneToken), "LLxprt: chat")
	res, err := s.b.Chat(ctx, req, onDelta)
	if stream != nil {
		stream.Close() // the last piece goes out before the response
	}
	pr.end(endMessage(err))
	if err != nil {
		return nil, failed(ctx, method, err)
	}
	return rawJSON(res), nil
}

// attachment is the text of an open document's range (the whole document
// without a range) as chat context.
func (s *langServer) attachment(td *protocol.TextDocumentIdentifier, rng *protocol.Range) (server.Attachment, error) {
	d, ok := s.docs.get(td.URI)
	if !ok {
		return server.Attachment{}, fmt.Errorf("textDocument.uri: %s is not open (send textDocument/didOpen first)", td.URI)
	}
	text := d.text
	if rng != nil {
		var err error
		if text, err = d.slice(*rng); err != nil {
			return server.Attachment{}, fmt.Errorf("range: %w", err)
		}
	}
	return server.Attachment{Path: docPath(d.uri), Language: d.language, Text: text}, nil
}

func validToken(tok json.RawMessage) bool {
	t := bytes.TrimSpace(tok)
	if len(t) == 0 || string(t) == "null" {
		return true
	}
	var v any
	if json.Unmarshal(t, &v) != nil {
		return false
	}
	switch n := v.(type) {
	case string:
		return true
	case float64:
		return n == float64(int64(n))
	}
	return false
}

func tokenOrNil(tok json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(tok); len(t) > 0 && string(t) != "null" {
		return t
	}
	return nil
}

func (s *langServer) profiles(method string) (any, error) {
	list, err := s.b.Profiles()
	if err != nil {
		return nil, &jsonrpc2.Error{Code: codeRequestFailed, Message: fmt.Sprintf("lsp: %s: %v", method, err)}
	}
	if list == nil {
		list = []server.ProfileInfo{}
	}
	return rawJSON(list), nil
}

func (s *langServer) loadProfile(ctx context.Context, method string, p profileLoadParams) (any, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, invalidParams(method, "name: required, the name of a saved profile")
	}
	st, err := s.b.LoadProfile(ctx, p.Name, p.Persist)
	if err != nil {
		return nil, failed(ctx, method, err)
	}
	return rawJSON(st), nil
}

// saveProfile stores a profile; "profile" is the profile document as a JSON
// object (or, for TOML, a string holding it).
func (s *langServer) saveProfile(method string, p profileSaveParams) (any, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, invalidParams(method, "name: required")
	}
	doc := bytes.TrimSpace(p.Profile)
	switch {
	case len(doc) == 0 || string(doc) == "null":
		return nil, invalidParams(method, "profile: required, the profile document as a JSON object")
	case doc[0] == '"':
		var text string
		if err := json.Unmarshal(doc, &text); err != nil {
			return nil, invalidParams(method, "profile: %v", err)
		}
		doc = []byte(text)
	case doc[0] != '{':
		return nil, invalidParams(method, "profile: want a JSON object, got %.40s", doc)
	}
	if err := s.b.SaveProfile(p.Name, doc); err != nil {
		return nil, &jsonrpc2.Error{Code: codeRequestFailed, Message: fmt.Sprintf("lsp: %s: %v", method, err)}
	}
	return rawJSON(map[string]string{"saved": p.Name}), nil
}
