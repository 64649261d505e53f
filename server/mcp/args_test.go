package mcp

import (
	"encoding/json"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

func TestBindNamesTheArgument(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantArg string
		wantMsg string
	}{
		{"ok", `{"prompt": "hi", "files": [{"path": "a.go", "text": "x"}]}`, "", ""},
		{"missing arguments are an empty object", ``, "", ""},
		{"null", `null`, "", ""},
		{"wrong type", `{"prompt": 5}`, "prompt", "want a string"},
		{"wrong nested type", `{"prompt": "x", "files": [{"path": 1}]}`, "files.path", "want a string"},
		{"list wanted", `{"prompt": "x", "files": "a.go"}`, "files", "want a list"},
		{"unknown argument", `{"prompt": "x", "temperature": 1}`, "temperature", "this tool takes prompt, session_id, system, profile, files"},
		{"not an object", `"hello"`, "", "want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mcpgo.CallToolRequest{}
			req.Params.RawArguments = json.RawMessage(tt.raw)
			var a chatArgs
			err := bind(req, &a)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("bind: %v", err)
				}
				return
			}
			ae, ok := err.(*argError)
			if !ok || ae.Arg != tt.wantArg || !strings.Contains(ae.Msg, tt.wantMsg) {
				t.Fatalf("err = %#v, want argument %q with %q", err, tt.wantArg, tt.wantMsg)
			}
		})
	}
}

func TestMCPArgNames(t *testing.T) {
	for in, want := range map[string]string{"sessionId": "session_id", "context[2]": "files[2]", "prompt": "prompt", "buckets": "buckets"} {
		if got := mcpArg(in); got != want {
			t.Errorf("mcpArg(%q) = %q, want %q", in, got, want)
		}
	}
}
