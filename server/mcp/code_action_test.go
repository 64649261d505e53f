package mcp

import (
	"bytes"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/server"
)

// code_action "test" returns the tests to add after the code, which stays
// (placement "after"); "document" returns the code with its docs, a full
// replacement. The tool's description says so.
func TestCodeActionPlacement(t *testing.T) {
	env, err := demo.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	svc, err := server.New(t.Context(), server.Options{ConfigDir: t.TempDir(), Inline: env.Profile, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	var out bytes.Buffer
	h := &handler{svc: svc, log: zerolog.Nop(), out: &lockedWriter{w: &out}}
	h.srv = mcpserver.NewMCPServer("t", "1", mcpserver.WithToolCapabilities(false))
	h.addTools()
	desc := h.srv.GetTool("code_action").Tool.Description
	for _, want := range []string{"for test, the tests to add after the original code (which stays", "the code to replace the original with"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description %q lacks %q", desc, want)
		}
	}
	const code = "def add(a, b):\n    return a + b\n"
	tests := []struct {
		action, placement, text string
	}{
		{"test", server.PlaceAfter, "# llxprt-demo: test (simulated tests for the 2 line(s) above)\n"},
		{"document", server.PlaceReplace, "# llxprt-demo: document\n" + code},
	}
	for _, tt := range tests {
		var req mcpgo.CallToolRequest
		req.Params.Name = "code_action"
		req.Params.Arguments = map[string]any{"code": code, "action": tt.action, "language": "python"}
		res, err := h.codeAction(t.Context(), req)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", tt.action, err, res)
		}
		got := res.StructuredContent.(codeActionOut)
		if got.Placement != tt.placement || got.Code != tt.text {
			t.Errorf("%s: placement %q code %q, want %q %q", tt.action, got.Placement, got.Code, tt.placement, tt.text)
		}
		if text := res.Content[0].(mcpgo.TextContent).Text; text != tt.text {
			t.Errorf("%s: text content %q, want %q", tt.action, text, tt.text)
		}
	}
}
