package lsp

import (
	"context"
	"encoding/json"
	"fmt"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// The workspace/executeCommand commands; editor plugins depend on these names.
const (
	cmdChat            = "llxprt.chat"
	cmdProfileLoad     = "llxprt.profile.load"
	cmdProfileList     = "llxprt.profile.list"
	cmdProfileSave     = "llxprt.profile.save"
	cmdStatus          = "llxprt.status"
	cmdAuthStatus      = "llxprt.auth.status"
	cmdApplyCodeAction = "llxprt.applyCodeAction"
)

// ExecuteCommand serves the llxprt.* commands, the standard-LSP twins of the
// llxprt/* requests, each taking at most one argument object.
func (s *langServer) ExecuteCommand(ctx context.Context, params *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	const method = protocol.MethodWorkspaceExecuteCommand
	var arg []byte
	switch len(params.Arguments) {
	case 0:
	case 1:
		arg = params.Arguments[0]
	default:
		return nil, invalidParams(method, "arguments: %s takes at most one argument, got %d", params.Command, len(params.Arguments))
	}
	where := method + " " + params.Command
	var res any
	var err error
	switch params.Command {
	case cmdChat:
		jsonrpc2.Async(ctx)
		var p chatParams
		if err := decodeParams(where, arg, &p); err != nil {
			return nil, err
		}
		if len(p.WorkDoneToken) == 0 {
			p.WorkDoneToken = tokenJSON(params.WorkDoneToken)
		}
		res, err = s.chat(ctx, where, &p)
	case cmdProfileLoad:
		jsonrpc2.Async(ctx)
		var p profileLoadParams
		if len(arg) > 0 && arg[0] == '"' {
			// llxprt.profile.load "name" is accepted too.
			err = json.Unmarshal(arg, &p.Name)
		} else {
			err = decodeParams(where, arg, &p)
		}
		if err != nil {
			return nil, err
		}
		res, err = s.loadProfile(ctx, where, p)
	case cmdProfileList:
		res, err = s.profiles(where)
	case cmdProfileSave:
		var p profileSaveParams
		if err := decodeParams(where, arg, &p); err != nil {
			return nil, err
		}
		res, err = s.saveProfile(where, p)
	case cmdStatus:
		res = rawJSON(s.b.Status())
	case cmdAuthStatus:
		res = rawJSON(s.b.AuthStatus())
	case cmdApplyCodeAction:
		jsonrpc2.Async(ctx)
		res, err = s.applyCodeAction(ctx, where, arg)
	default:
		return nil, invalidParams(method, "command: unknown command %q (known: %v)", params.Command, commands)
	}
	if err != nil {
		return nil, err
	}
	raw, ok := res.(jsonrpc2.RawMessage)
	if !ok {
		return nil, fmt.Errorf("lsp: %s: unexpected result %T", where, res)
	}
	return protocol.LSPAny(raw), nil
}

// applyCodeAction runs a listed action for a client without codeAction/resolve
// and sends the edit with workspace/applyEdit. It returns
// {"applied": bool, "failureReason"?} for an edit and {"explanation"} for
// explain (also shown with window/showMessage).
func (s *langServer) applyCodeAction(ctx context.Context, where string, arg []byte) (any, error) {
	var data actionData
	if err := decodeParams(where, arg, &data); err != nil {
		return nil, err
	}
	if data.URI == "" || data.Action == "" {
		return nil, invalidParams(where, "arguments[0]: want the data of a listed action ({uri, range, action, version})")
	}
	res, edit, err := s.runAction(ctx, where, data)
	if err != nil {
		return nil, err
	}
	if edit == nil {
		return rawJSON(map[string]string{"explanation": res.Explanation}), nil
	}
	label := data.Title
	out, err := s.client.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: &label, Edit: *edit})
	if err != nil {
		return nil, failed(ctx, where, fmt.Errorf("lsp: workspace/applyEdit: %w", err))
	}
	reply := struct {
		Applied       bool   `json:"applied"`
		FailureReason string `json:"failureReason,omitempty"`
	}{Applied: out != nil && out.Applied}
	if out != nil && out.FailureReason != nil {
		reply.FailureReason = *out.FailureReason
	}
	return rawJSON(reply), nil
}

// tokenJSON encodes a protocol progress token as raw JSON (nil for none).
func tokenJSON(t protocol.ProgressToken) json.RawMessage {
	switch v := t.(type) {
	case protocol.Integer:
		return json.RawMessage(fmt.Sprint(int32(v)))
	case protocol.String:
		b, _ := json.Marshal(string(v))
		return b
	}
	return nil
}
