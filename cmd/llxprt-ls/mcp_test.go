package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/llxprt/llxprt-ls/internal/demo"
)

// mcpClient is the MCP Go SDK driving the built binary over stdio.
type mcpClient struct {
	*mcp.ClientSession
	mu       sync.Mutex
	progress []string
	logs     []string
}

func (w *world) mcp(t *testing.T, protocol string, args ...string) *mcpClient {
	t.Helper()
	return w.mcpCmd(t, protocol, nil, args...)
}

// mcpCmd starts the server with global args (before "mcp"), letting setup
// adjust the command first.
func (w *world) mcpCmd(t *testing.T, protocol string, setup func(*exec.Cmd), args ...string) *mcpClient {
	t.Helper()
	c := &mcpClient{}
	client := mcp.NewClient(&mcp.Implementation{Name: "llxprt-e2e", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			c.mu.Lock()
			c.progress = append(c.progress, r.Params.Message)
			c.mu.Unlock()
		},
		LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
			b, _ := json.Marshal(r.Params.Data)
			c.mu.Lock()
			c.logs = append(c.logs, string(r.Params.Level)+" "+string(b))
			c.mu.Unlock()
		},
	})
	cmd := exec.Command(bin, append([]string{"--config-dir", w.dir, "--log-level", "warn", "mcp"}, args...)...)
	cmd.Env = cleanEnv()
	if setup != nil {
		setup(cmd)
	}
	var opts *mcp.ClientSessionOptions
	if protocol != "" {
		opts = &mcp.ClientSessionOptions{ProtocolVersion: protocol}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, opts)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	c.ClientSession = cs
	return c
}

// call calls a tool and returns its text and structured content.
func (c *mcpClient) call(t *testing.T, name string, args any, progressToken any) (*mcp.CallToolResult, string, map[string]any) {
	t.Helper()
	p := &mcp.CallToolParams{Name: name, Arguments: args}
	if progressToken != nil {
		p.SetProgressToken(progressToken)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, p)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text strings.Builder
	for _, ct := range res.Content {
		if tc, ok := ct.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
			text.WriteString("\n")
		}
	}
	var st map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &st)
	}
	return res, text.String(), st
}

func TestMCPEndToEnd(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"", "2025-11-25"} {
		name := proto
		if name == "" {
			name = "default-discover"
		}
		t.Run(name, func(t *testing.T) { testMCP(t, proto) })
	}
}

func testMCP(t *testing.T, proto string) {
	w := newWorld(t)
	c := w.mcp(t, proto)

	tools, err := c.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	outSchema := map[string]*jsonschema.Resolved{}
	for _, tool := range tools.Tools {
		if tool.OutputSchema != nil {
			b, _ := json.Marshal(tool.OutputSchema)
			var sch jsonschema.Schema
			if err := json.Unmarshal(b, &sch); err != nil {
				t.Fatalf("%s output schema: %v", tool.Name, err)
			}
			rs, err := sch.Resolve(nil)
			if err != nil {
				t.Fatalf("%s output schema: %v", tool.Name, err)
			}
			outSchema[tool.Name] = rs
		}
		names = append(names, tool.Name)
		if tool.Description == "" || tool.InputSchema == nil {
			t.Errorf("%s: no description or schema", tool.Name)
		}
		ro := tool.Annotations != nil && tool.Annotations.ReadOnlyHint
		if want := slices.Contains([]string{"profile_list", "profile_show", "provider_status", "list_models", "auth_status"}, tool.Name); ro != want {
			t.Errorf("%s: readOnlyHint %v, want %v", tool.Name, ro, want)
		}
	}
	slices.Sort(names)
	want := []string{"auth_status", "chat", "code_action", "consensus", "list_models", "profile_list", "profile_load", "profile_save", "profile_show", "provider_status"}
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}

	// chat, streamed as progress, then continued.
	res, text, st := c.call(t, "chat", map[string]any{"prompt": "Hello there"}, "tok-1")
	if res.IsError || !strings.Contains(text, "Simulated answer from anthropic") || st["provider"] != "anthropic" {
		t.Fatalf("chat: %v %q %v", res.IsError, text, st)
	}
	session, _ := st["session_id"].(string)
	// The server writes every progress notification before the result; the
	// SDK may hand them to the handler on other goroutines, in any order.
	answer, _, _ := strings.Cut(text, "\n[session_id")
	var pieces []string
	waitUntil(t, "progress carrying the whole answer", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		pieces = append(pieces[:0], c.progress...)
		return len(strings.Join(pieces, "")) >= len(answer)
	})
	for _, p := range pieces {
		if !strings.Contains(answer, p) {
			t.Errorf("progress piece %q is not part of the answer %q", p, answer)
		}
	}
	if got := len(strings.Join(pieces, "")); got != len(answer) {
		t.Errorf("progress carried %d bytes, the answer has %d", got, len(answer))
	}
	_, text, _ = c.call(t, "chat", map[string]any{"prompt": "and again", "session_id": session}, nil)
	if !strings.Contains(text, "turn 2") {
		t.Errorf("continued chat: %q", text)
	}
	// A file given by path is read and sent as context.
	src := filepath.Join(t.TempDir(), "util.go")
	if err := os.WriteFile(src, []byte("package util // marker-7731\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := c.call(t, "chat", map[string]any{"prompt": "what is this?", "files": []map[string]any{{"path": src, "language": "go"}}}, nil); res.IsError {
		t.Errorf("chat with a file: %+v", res.Content)
	}
	reqs := w.env.Anthropic.Requests()
	if body := string(reqs[len(reqs)-1].Body); !strings.Contains(body, "marker-7731") || !strings.Contains(body, "File: "+src) {
		t.Errorf("file not sent: %.300s", body)
	}
	// The same session continues from the command line.
	r := w.run(t, "", "chat", "--session", session, "from the terminal")
	if !strings.Contains(r.stdout, "turn 3") {
		t.Errorf("CLI continuation: %q %q", r.stdout, r.stderr)
	}

	// code_action
	_, text, st = c.call(t, "code_action", map[string]any{"code": "    return a+b\n", "action": "fix", "language": "python", "diagnostics": []string{"E225"}}, nil)
	if st["code"] != "    # llxprt-demo: fix\n    return a+b\n" {
		t.Errorf("code_action: %q %v", text, st)
	}

	// profiles
	_, _, st = c.call(t, "profile_list", map[string]any{}, nil)
	list, _ := st["profiles"].([]any)
	if len(list) != 2 {
		t.Errorf("profile_list: %v", st)
	}
	_, text, _ = c.call(t, "profile_show", map[string]any{"name": "gem"}, nil)
	if strings.Contains(text, "g-test-key-123456") {
		t.Error("profile_show leaked the key")
	}
	res, _, st = c.call(t, "profile_load", map[string]any{"name": "gem"}, nil)
	if res.IsError || st["profile"] != "gem" {
		t.Errorf("profile_load: %v", st)
	}
	_, _, st = c.call(t, "chat", map[string]any{"prompt": "who answers now?"}, nil)
	if st["provider"] != "gemini" {
		t.Errorf("after profile_load: %v", st["provider"])
	}
	res, _, _ = c.call(t, "profile_save", map[string]any{"name": "ha2", "profile": json.RawMessage(w.env.JSON)}, nil)
	if res.IsError {
		t.Errorf("profile_save failed: %+v", res.Content)
	}
	if _, _, st = c.call(t, "profile_load", map[string]any{"name": "ha2"}, nil); st["profile"] != "ha2" {
		t.Errorf("load saved profile: %v", st)
	}

	// provider_status with a probe, a failover logged, resources.
	if proto != "" {
		if err := c.SetLoggingLevel(t.Context(), &mcp.SetLoggingLevelParams{Level: "warning"}); err != nil {
			t.Fatal(err)
		}
	}
	w.env.SetScene(demo.Scene{PrimaryDown: true})
	_, _, st = c.call(t, "provider_status", map[string]any{"probe": true}, nil)
	probe, _ := st["probe"].([]any)
	if len(probe) != 3 || !strings.Contains(jsonString(probe[0]), "overloaded") {
		t.Errorf("provider_status probe: %v", st)
	}
	// A 2026-07-28 request declares its log level in _meta.
	p := &mcp.CallToolParams{Name: "chat", Arguments: map[string]any{"prompt": "fail over please"}, Meta: mcp.Meta{"io.modelcontextprotocol/logLevel": "warning"}}
	fo, err := c.CallTool(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(fo.StructuredContent); !strings.Contains(string(b), `"provider":"openai"`) {
		t.Errorf("failover chat: %s", b)
	}
	// What a validating client (the TypeScript SDK) checks: structured
	// content, failed attempts included, matches the declared output schema.
	var inst any
	b, _ := json.Marshal(fo.StructuredContent)
	_ = json.Unmarshal(b, &inst)
	if err := outSchema["chat"].Validate(inst); err != nil {
		t.Errorf("chat result does not match its output schema: %v\n%s", err, b)
	}
	wantLog := "failover from anthropic/claude-sonnet-4-5 to openai/gpt-5.2" // classic: live events
	if proto == "" {
		wantLog = "failover: anthropic/claude-sonnet-4-5 failed: 529 overloaded" // modern: from the trace
	}
	waitUntil(t, "a failover log notification with "+wantLog, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return strings.Contains(strings.Join(c.logs, "\n"), wantLog)
	})
	rr, err := c.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "llxprt://status"})
	if err != nil || len(rr.Contents) != 1 || !strings.Contains(rr.Contents[0].Text, `"profile": "ha2"`) {
		t.Errorf("status resource: %v %+v", err, rr)
	}
	if rr, err = c.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "llxprt://profiles/gem"}); err != nil || strings.Contains(rr.Contents[0].Text, "g-test-key-123456") {
		t.Errorf("profile resource: %v", err)
	}

	// bad arguments are tool errors naming the argument.
	bad := []struct {
		tool string
		args map[string]any
		arg  string
	}{
		{"chat", map[string]any{"prompt": 5}, `"prompt"`},
		{"chat", map[string]any{}, `"prompt"`},
		{"chat", map[string]any{"prompt": "x", "session_id": "../../etc/passwd"}, `"session_id"`},
		{"chat", map[string]any{"prompt": "x", "temperature": 2}, `"temperature"`},
		{"chat", map[string]any{"prompt": "x", "profile": "no-such-profile"}, `"profile"`},
		{"code_action", map[string]any{"action": "fix"}, `"code"`},
		{"code_action", map[string]any{"code": "x", "action": "custom:9"}, `"action"`},
		{"profile_load", map[string]any{"name": "../../etc/passwd"}, `"name"`},
		{"profile_load", map[string]any{"name": "no-such-profile"}, `"name"`},
		{"profile_show", map[string]any{"name": "no-such-profile"}, `"name"`},
		{"profile_save", map[string]any{"name": "x", "profile": map[string]any{"provider": "lb"}}, `"profile"`},
		{"consensus", map[string]any{"prompt": "x", "buckets": []string{"nope"}}, `"buckets"`},
	}
	for _, b := range bad {
		res, text, _ := c.call(t, b.tool, b.args, nil)
		if !res.IsError || !strings.Contains(text, "argument "+b.arg) {
			t.Errorf("%s %v: isError=%v %q, want an error naming %s", b.tool, b.args, res.IsError, text, b.arg)
		}
	}
	// ...and the server still serves.
	if _, _, st = c.call(t, "list_models", map[string]any{}, nil); len(st["providers"].([]any)) != 3 {
		t.Errorf("list_models: %v", st)
	}
	// No login yet: auth_status says so and names the command to run.
	if _, text, st := c.call(t, "auth_status", map[string]any{}, nil); len(st["providers"].([]any)) != 2 || !strings.Contains(text, "llxprt-ls auth login qwen") {
		t.Errorf("auth_status: %q", text)
	}
}

func TestMCPCancelStopsTheProviderCall(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.mcp(t, "2025-11-25")
	w.env.SetScene(demo.Scene{Stall: true})
	ctx, cancel := context.WithCancel(t.Context())
	p := &mcp.CallToolParams{Name: "chat", Arguments: map[string]any{"prompt": "stall"}}
	p.SetProgressToken("tok-cancel")
	done := make(chan error, 1)
	go func() { _, err := c.CallTool(ctx, p); done <- err }()
	// The first chunk arrives as a progress notification; then cancel.
	for {
		c.mu.Lock()
		n := len(c.progress)
		c.mu.Unlock()
		if n > 0 {
			break
		}
		waitABit(t)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled call returned no error")
	}
	for w.env.Anthropic.Abandoned() == 0 {
		waitABit(t)
	}
	// The server keeps serving.
	w.env.SetScene(demo.Scene{})
	if _, _, st := c.call(t, "chat", map[string]any{"prompt": "still there?"}, nil); st["provider"] != "anthropic" {
		t.Errorf("after cancel: %v", st)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// waitUntil polls cond for what the client receives on other goroutines;
// the deadline only bounds a broken test.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %s", what)
		}
		waitABit(t)
	}
}

// waitABit yields while polling state that another process changes and
// that offers nothing to wait on; the test's deadline bounds the loop.
func waitABit(t *testing.T) {
	t.Helper()
	if t.Context().Err() != nil {
		t.Fatal("test ended while waiting")
	}
	time.Sleep(2 * time.Millisecond)
}
