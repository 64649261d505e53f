package mcp

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/server"
)

// TestServeInProcess runs Serve over pipes: a chat with a progress token
// streams before its result, and closing stdin ends Serve with nothing left
// running (TestMain checks for leaked goroutines).
func TestServeInProcess(t *testing.T) {
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
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(t.Context(), svc, inR, outW, zerolog.New(zerolog.NewTestWriter(t)))
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	read := func() map[string]any {
		t.Helper()
		line, err := out.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if m := read(); m["id"] != float64(1) {
		t.Fatalf("initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"chat","arguments":{"prompt":"hi"},"_meta":{"progressToken":"p"}}}`)
	var streamed strings.Builder
	for {
		m := read()
		if m["method"] == "notifications/progress" {
			streamed.WriteString(m["params"].(map[string]any)["message"].(string))
			continue
		}
		if m["id"] != float64(2) {
			continue
		}
		r := m["result"].(map[string]any)
		text := r["content"].([]any)[0].(map[string]any)["text"].(string)
		if streamed.String() != text {
			t.Errorf("progress %q before the result %q", streamed.String(), text)
		}
		break
	}
	inW.Close()
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
