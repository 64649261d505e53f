package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ModuleRoot finds the directory holding go.mod, from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("e2e: getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("e2e: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Build compiles ./cmd/llxprt-ls into dir and returns the binary's path.
// race adds -race (the tests build the binary the way CI tests everything).
func Build(ctx context.Context, dir string, race bool) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "llxprt-ls")
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/llxprt-ls")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("e2e: go build: %w\n%s", err, b)
	}
	return out, nil
}

// Proc is a running llxprt-ls child with a [Conn] on its stdio.
type Proc struct {
	*Conn
	Cmd     *exec.Cmd
	Started time.Time

	stderr  *syncBuffer
	stdin   interface{ Close() error }
	exited  chan struct{}
	waitErr error
}

// syncBuffer collects stderr; the child writes while tests read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 4<<20 { // keep the tail bounded: a chatty child must not eat memory
		s.b.Reset()
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs bin with args (e.g. "--config-dir", D, "lsp") and env added to
// the parent's environment.
func Start(bin string, framing Framing, args []string, env ...string) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("e2e: stdin: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("e2e: stdout: %w", err)
	}
	p := &Proc{Cmd: cmd, stderr: &syncBuffer{}, stdin: in, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("e2e: start %s: %w", bin, err)
	}
	p.Conn = NewConn(framing, out, in)
	go func() {
		<-p.Conn.Done() // stdout is drained before Wait closes it
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// PID is the child's process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Stderr is what the child logged so far (the tail, if it logged a lot).
func (p *Proc) Stderr() string { return p.stderr.String() }

// Exited is closed when the child has exited; ExitErr then says how.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// ExitErr is the child's exit status (nil for exit code 0).
func (p *Proc) ExitErr() error {
	select {
	case <-p.exited:
		return p.waitErr
	default:
		return nil
	}
}

// Close ends stdin and waits up to grace for the child to exit, then kills it.
func (p *Proc) Close(grace time.Duration) error {
	_ = p.stdin.Close()
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(grace):
		_ = p.Cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("e2e: pid %d did not exit within %v of stdin closing: killed", p.PID(), grace)
	}
}

// RSS is the child's resident set size in bytes (VmRSS in /proc/PID/status).
func (p *Proc) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0, fmt.Errorf("e2e: rss: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("e2e: rss: %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("e2e: rss: no VmRSS line")
}

// Threads counts the child's OS threads (/proc/PID/task).
func (p *Proc) Threads() (int, error) { return countDir(fmt.Sprintf("/proc/%d/task", p.PID())) }

// FDs counts the child's open file descriptors (/proc/PID/fd).
func (p *Proc) FDs() (int, error) { return countDir(fmt.Sprintf("/proc/%d/fd", p.PID())) }

func countDir(dir string) (int, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("e2e: %w", err)
	}
	return len(es), nil
}

// InitLSP runs the LSP handshake (initialize, initialized) with an editor
// that supports nothing optional, so the server never asks us anything.
func (p *Proc) InitLSP(ctx context.Context) (json.RawMessage, error) {
	res, err := p.Call(ctx, "initialize", map[string]any{"processId": os.Getpid(), "rootUri": nil, "capabilities": map[string]any{}})
	if err != nil {
		return nil, err
	}
	return res, p.Notify("initialized", map[string]any{})
}

// InitMCP runs the MCP handshake (initialize, notifications/initialized).
func (p *Proc) InitMCP(ctx context.Context) (json.RawMessage, error) {
	res, err := p.Call(ctx, "initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "llxprt-e2e", "version": "1"},
	})
	if err != nil {
		return nil, err
	}
	return res, p.Notify("notifications/initialized", nil)
}

// ChatResult is the part of a chat answer both front ends share.
type ChatResult struct {
	Text   string
	Bucket string
}

// ChatLSP sends llxprt/chat and returns the answer; a failure is the
// server's *RPCError.
func (p *Proc) ChatLSP(ctx context.Context, prompt string) (ChatResult, error) {
	raw, err := p.Call(ctx, "llxprt/chat", map[string]any{"prompt": prompt})
	if err != nil {
		return ChatResult{}, err
	}
	var r struct {
		Text   string `json:"text"`
		Bucket string `json:"bucket"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return ChatResult{}, fmt.Errorf("e2e: llxprt/chat result: %w", err)
	}
	return ChatResult{Text: r.Text, Bucket: r.Bucket}, nil
}

// ToolError is an MCP tool result with isError set: the failure the server
// reports to the model, with its text.
type ToolError struct{ Text string }

func (e *ToolError) Error() string { return "e2e: tool error: " + e.Text }

// ChatMCP calls the chat tool; a tool-level failure is *ToolError, a
// protocol one *RPCError.
func (p *Proc) ChatMCP(ctx context.Context, prompt string) (ChatResult, error) {
	raw, err := p.Call(ctx, "tools/call", map[string]any{"name": "chat", "arguments": map[string]any{"prompt": prompt}})
	if err != nil {
		return ChatResult{}, err
	}
	var r struct {
		IsError bool `json:"isError"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		Structured struct {
			Bucket string `json:"bucket"`
		} `json:"structuredContent"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return ChatResult{}, fmt.Errorf("e2e: tools/call result: %w", err)
	}
	var text strings.Builder
	for _, c := range r.Content {
		text.WriteString(c.Text)
	}
	if r.IsError {
		return ChatResult{}, &ToolError{Text: text.String()}
	}
	return ChatResult{Text: text.String(), Bucket: r.Structured.Bucket}, nil
}
