package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/internal/demo"
)

// rawServer is the binary with its stdin and stdout as plain pipes.
type rawServer struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer
}

func (w *world) start(t *testing.T, args ...string) *rawServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	s := &rawServer{cmd: exec.CommandContext(ctx, bin, append([]string{"--config-dir", w.dir}, args...)...)}
	s.cmd.Env = cleanEnv()
	s.cmd.Stderr = &s.stderr
	var err error
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.out = bufio.NewReaderSize(out, 1<<20)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.in.Close(); _ = s.cmd.Wait() })
	return s
}

func (s *rawServer) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

// responses reads lines until every id in ids has its response; other
// messages (notifications) are skipped.
func (s *rawServer) responses(t *testing.T, ids ...int) map[int]map[string]any {
	t.Helper()
	got := map[int]map[string]any{}
	for len(got) < len(ids) {
		line, err := s.out.ReadBytes('\n')
		if err != nil {
			t.Fatalf("read: %v (stderr: %s)", err, s.stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("stdout carries a non-JSON line %q", line)
		}
		if id, ok := m["id"].(float64); ok {
			got[int(id)] = m
		}
	}
	return got
}

func TestMCPSurvivesBadMessages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.start(t, "mcp")
	s.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	s.responses(t, 1)
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	s.send(t, `{"jsonrpc":"2.0","id":2,"method":`)                           // malformed JSON
	s.send(t, `{"jsonrpc":"2.0","id":3,"method":"llxprt/nope","params":{}}`) // unknown method
	big := strings.Repeat("x", 5<<20)                                        // a 5 MB prompt
	s.send(t, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"chat","arguments":{"prompt":"`+big+`"}}}`)
	s.send(t, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"chat\",\"arguments\":{\"prompt\":\"bad \xff\xfe bytes\"}}}") // invalid UTF-8
	s.send(t, `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"chat","arguments":"not an object"}}`)                                       // malformed params
	s.send(t, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"chat","arguments":{"prompt":"still serving?"}}}`)
	got := s.responses(t, 3, 4, 5, 6, 7)

	errCode := func(m map[string]any) float64 {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(float64)
		return c
	}
	toolError := func(m map[string]any) string {
		r, _ := m["result"].(map[string]any)
		if r["isError"] != true {
			return ""
		}
		b, _ := json.Marshal(r["content"])
		return string(b)
	}
	if c := errCode(got[3]); c != -32601 {
		t.Errorf("unknown method: %v", got[3])
	}
	if e := toolError(got[4]); !strings.Contains(e, `argument \"prompt\"`) || !strings.Contains(e, "allowed") {
		t.Errorf("5 MB prompt: %.300v", got[4])
	}
	if c := errCode(got[5]); c != -32700 || !strings.Contains(fmt.Sprint(got[5]), "UTF-8") {
		t.Errorf("invalid UTF-8: %v", got[5])
	}
	if c := errCode(got[6]); c == 0 && toolError(got[6]) == "" {
		t.Errorf("malformed params accepted: %v", got[6])
	}
	r, _ := got[7]["result"].(map[string]any)
	if r == nil || r["isError"] == true || !strings.Contains(fmt.Sprint(r["content"]), "Simulated answer") {
		t.Errorf("server stopped serving: %v", got[7])
	}
	if n := w.env.Anthropic.Total(); n != 1 {
		t.Errorf("%d requests reached the provider, want only the good one", n)
	}
}

func TestBareCommandDetectsTheProtocol(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	t.Run("mcp", func(t *testing.T) {
		s := w.start(t)
		s.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
		res := s.responses(t, 1)[1]["result"].(map[string]any)
		if info, _ := res["serverInfo"].(map[string]any); info["name"] != "llxprt-ls" {
			t.Errorf("initialize: %v", res)
		}
	})
	t.Run("lsp", func(t *testing.T) {
		s := w.start(t)
		frame := func(v string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(v), v) }
		msgs := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`) +
			frame(`{"jsonrpc":"2.0","method":"initialized","params":{}}`) +
			frame(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`) +
			frame(`{"jsonrpc":"2.0","method":"exit"}`)
		if _, err := io.WriteString(s.in, msgs); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(s.out)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.cmd.Wait(); err != nil {
			t.Errorf("exit after shutdown: %v (stderr %s)", err, s.stderr.String())
		}
		if !bytes.Contains(out, []byte("Content-Length:")) || !bytes.Contains(out, []byte(`"codeActionProvider"`)) {
			t.Errorf("lsp output: %.400s", out)
		}
	})
	t.Run("terminal-less garbage", func(t *testing.T) {
		r := w.run(t, "hello\n")
		if r.code != 2 || !strings.Contains(r.stderr, "neither an LSP header") {
			t.Errorf("exit %d stderr %q", r.code, r.stderr)
		}
	})
}

// vscode-languageclient starts a server declared with TransportKind.stdio
// as "COMMAND ARGS... --stdio": the flag is accepted by both front ends.
func TestStdioFlagAccepted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	frame := func(v string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(v), v) }
	lsp := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`) +
		frame(`{"jsonrpc":"2.0","method":"exit"}`)
	if r := w.run(t, lsp, "lsp", "--stdio"); r.code != 0 || !strings.Contains(r.stdout, `"codeActionProvider"`) {
		t.Errorf("lsp --stdio: exit %d, stdout %.300q, stderr %q", r.code, r.stdout, r.stderr)
	}
	mcp := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}` + "\n"
	if r := w.run(t, mcp, "mcp", "--stdio"); r.code != 0 || !strings.Contains(r.stdout, `"serverInfo"`) {
		t.Errorf("mcp --stdio: exit %d, stdout %.300q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestMCPDemoNeedsNoProfile(t *testing.T) {
	t.Parallel()
	w := &world{dir: t.TempDir()}
	c := w.mcp(t, "2025-11-25", "--demo")
	_, text, st := c.call(t, "chat", map[string]any{"prompt": "hi"}, nil)
	if !strings.Contains(text, "Simulated answer") || st["session_id"] == "" {
		t.Errorf("mcp --demo chat: %q %v", text, st)
	}
}

func TestLSPDemoChat(t *testing.T) {
	t.Parallel()
	w := &world{dir: t.TempDir()}
	s := w.start(t, "lsp", "--demo")
	frame := func(v string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(v), v) }
	msgs := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}`) +
		frame(`{"jsonrpc":"2.0","method":"initialized","params":{}}`) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"llxprt/chat","params":{"prompt":"hello from the editor"}}`)
	if _, err := io.WriteString(s.in, msgs); err != nil {
		t.Fatal(err)
	}
	// Read frames until the chat's response arrives.
	for {
		var n int
		for {
			line, err := s.out.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v (stderr %s)", err, s.stderr.String())
			}
			if strings.TrimSpace(line) == "" {
				break
			}
			fmt.Sscanf(line, "Content-Length: %d", &n)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(s.out, body); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if m["id"] == float64(2) {
			r, _ := m["result"].(map[string]any)
			if text, _ := r["text"].(string); !strings.Contains(text, "Simulated answer") || r["sessionId"] == "" {
				t.Errorf("llxprt/chat: %s", body)
			}
			return
		}
	}
}

func TestLogFileKeepsStderrClean(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	logFile := filepath.Join(t.TempDir(), "llxprt.log")
	w.env.SetScene(demo.Scene{PrimaryDown: true})
	r := w.run(t, "", "--log-file", logFile, "--log-level", "debug", "chat", "--quiet", "hi")
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Simulated answer from openai") {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"message":"failover"`) {
		t.Errorf("log file lacks the failover:\n%s", data)
	}
}

func TestMCPWithoutAnyProfileSaysWhatToDo(t *testing.T) {
	t.Parallel()
	w := &world{dir: t.TempDir()}
	c := w.mcp(t, "2025-11-25")
	res, text, _ := c.call(t, "chat", map[string]any{"prompt": "hi"}, nil)
	if !res.IsError || !strings.Contains(text, "llxprt-ls profile init") || !strings.Contains(text, "--demo") {
		t.Errorf("chat without a profile: %v %q", res.IsError, text)
	}
	if res, _, st := c.call(t, "provider_status", map[string]any{}, nil); res.IsError || !strings.Contains(fmt.Sprint(st), "profile init") {
		t.Errorf("provider_status without a profile: %v", st)
	}
}
