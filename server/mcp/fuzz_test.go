package mcp

import (
	"bufio"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/server"
)

var fuzzTools = []string{"chat", "consensus", "code_action", "profile_list", "profile_show", "profile_load", "profile_save", "provider_status", "list_models"}

// FuzzToolArgs calls one tool with fuzzed arguments on one server (over
// the demo's fake providers) shared by every input, then pings it: no
// arguments may crash, hang or end the session, and every call gets an
// answer carrying its id. Arguments that are not JSON are sent as a string.
func FuzzToolArgs(f *testing.F) {
	seeds := []struct {
		tool uint8
		args string
	}{
		{0, `{"prompt":"hi"}`},
		{0, `{"prompt":"hi","session_id":"../../etc/passwd","files":[{"path":"/etc/shadow"},{"path":"a.go","text":"x","language":7}]}`},
		{1, `{"prompt":"hi","buckets":["nope"]}`},
		{2, `{"code":"x := 1","action":"custom:99","diagnostics":[1]}`},
		{4, `{"name":"../x"}`},
		{5, `{"name":"demo","persist":"yes"}`},
		{6, `{"name":"fz","profile":"[lb\n"}`},
		{6, `{"name":"fz","profile":{"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[]}}}}`},
		{7, `{"probe":false}`},
		{0, `null`},
		{0, `[]`},
		{0, `{"prompt":"\u0000\ud800"}`},
	}
	for _, s := range seeds {
		f.Add(s.tool, s.args)
	}
	c := newFuzzClient(f)
	id := 100
	f.Fuzz(func(t *testing.T, tool uint8, args string) {
		id += 2
		raw := json.RawMessage(args)
		if !json.Valid(raw) {
			raw, _ = json.Marshal(args)
		}
		c.call(t, id, "tools/call", map[string]any{"name": fuzzTools[int(tool)%len(fuzzTools)], "arguments": raw})
		c.call(t, id+1, "ping", nil)
	})
}

type fuzzClient struct {
	in    io.Writer
	lines chan []byte
}

// newFuzzClient serves MCP over pipes on the demo profile until f ends.
func newFuzzClient(f *testing.F) *fuzzClient {
	env, err := demo.Start(f.Context())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(env.Close)
	svc, err := server.New(f.Context(), server.Options{ConfigDir: f.TempDir(), Inline: env.Profile, NoWatch: true})
	if err != nil {
		f.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan struct{})
	go func() {
		_ = Serve(f.Context(), svc, inR, outW, zerolog.Nop())
		outW.Close()
		close(done)
	}()
	c := &fuzzClient{in: inW, lines: make(chan []byte, 64)}
	go func() {
		defer close(c.lines)
		br := bufio.NewReader(outR)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				return
			}
			c.lines <- line
		}
	}()
	f.Cleanup(func() {
		inW.Close()
		<-done
		for range c.lines { // drain to the end
		}
		_ = svc.Close()
	})
	if _, err := io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}`+"\n"+`{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		f.Fatal(err)
	}
	for line := range c.lines {
		var m struct{ ID json.RawMessage }
		if json.Unmarshal(line, &m) == nil && string(m.ID) == "1" {
			break
		}
	}
	return c
}

// call sends one request and waits for the response with its id.
func (c *fuzzClient) call(t *testing.T, id int, method string, params any) {
	t.Helper()
	req := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		t.Fatalf("write: %v", err)
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("%s %s: the server ended the session", method, b)
			}
			var m struct {
				ID    json.RawMessage     `json:"id"`
				Error *struct{ Code int } `json:"error"`
			}
			if json.Unmarshal(line, &m) != nil || string(m.ID) != json.Number(itoa(id)).String() {
				continue
			}
			if m.Error != nil && m.Error.Code == -32603 {
				t.Fatalf("%s %s: internal error: %s", method, b, line)
			}
			return
		case <-timeout:
			t.Fatalf("%s %s: no answer within 30 s", method, b)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
