package mcp

import (
	"encoding/json"
	"testing"

	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// Every tool's input schema is an object schema with "properties", even a
// tool without arguments: clients that hand MCP tools to OpenAI-style
// function calling reject an object schema that lacks it.
func TestInputSchemasListProperties(t *testing.T) {
	h := &handler{log: zerolog.Nop()}
	h.srv = mcpserver.NewMCPServer("t", "1", mcpserver.WithToolCapabilities(false))
	h.addTools()
	tools := h.srv.ListTools()
	if len(tools) == 0 {
		t.Fatal("no tools")
	}
	for name, st := range tools {
		b, err := json.Marshal(st.Tool)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var tool struct {
			InputSchema struct {
				Type       string          `json:"type"`
				Properties json.RawMessage `json:"properties"`
			} `json:"inputSchema"`
		}
		if err := json.Unmarshal(b, &tool); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tool.InputSchema.Type != "object" || len(tool.InputSchema.Properties) == 0 || tool.InputSchema.Properties[0] != '{' {
			t.Errorf("%s: inputSchema %s, want an object schema with properties", name, b)
		}
	}
}
