package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitTimeout only bounds how long a broken test hangs; no test waits for
// it to pass.
const waitTimeout = 30 * time.Second

// message is one JSON-RPC message as the test client sees it.
type message struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *rpcError       `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

// rawClient is a small LSP client that writes and reads frames itself, so
// tests can send what real clients send (numeric and string ids, $/cancelRequest)
// and what hostile ones do (broken JSON, invalid UTF-8), and can see the
// order in which everything arrived.
type rawClient struct {
	t testing.TB
	w io.Writer

	wmu    sync.Mutex
	nextID int

	mu      sync.Mutex
	pending map[string]chan message
	log     []message // everything received, in order
	changed chan struct{}
	// answer replies to the server's requests (workspace/applyEdit, …).
	answer func(m message) (any, *rpcError)
	closed bool
}

func newRawClient(t testing.TB, r io.Reader, w io.Writer) *rawClient {
	c := &rawClient{t: t, w: w, pending: map[string]chan message{}, changed: make(chan struct{})}
	c.answer = func(m message) (any, *rpcError) {
		switch m.Method {
		case "workspace/applyEdit":
			return map[string]any{"applied": true}, nil
		case "window/workDoneProgress/create":
			return nil, nil
		}
		return nil, &rpcError{Code: -32601, Message: "test client: no " + m.Method}
	}
	go c.read(r)
	return c
}

func (c *rawClient) read(r io.Reader) {
	br := bufio.NewReader(r)
	tp := textproto.NewReader(br)
	for {
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			c.finish()
			return
		}
		n, err := strconv.Atoi(hdr.Get("Content-Length"))
		if err != nil {
			c.t.Errorf("test client: bad header %v", hdr)
			c.finish()
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			c.finish()
			return
		}
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			c.t.Errorf("test client: server sent invalid JSON %q: %v", body, err)
			continue
		}
		c.mu.Lock()
		c.log = append(c.log, m)
		var ch chan message
		if m.Method == "" {
			ch = c.pending[string(m.ID)]
			delete(c.pending, string(m.ID))
		}
		close(c.changed)
		c.changed = make(chan struct{})
		answer := c.answer
		c.mu.Unlock()
		switch {
		case ch != nil:
			ch <- m
		case m.Method != "" && len(m.ID) > 0:
			go func() {
				res, rerr := answer(m)
				reply := map[string]any{"jsonrpc": "2.0", "id": m.ID}
				if rerr != nil {
					reply["error"] = rerr
				} else {
					reply["result"] = res
				}
				c.write(mustJSON(c.t, reply))
			}()
		}
	}
}

func (c *rawClient) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.changed)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

// write sends one framed body.
func (c *rawClient) write(body []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n", len(body))
	_, _ = c.w.Write(body)
}

// start sends a request with a numeric id and returns a channel for its response.
func (c *rawClient) start(method string, params any) (id int, resp chan message) {
	c.wmu.Lock()
	c.nextID++
	id = c.nextID
	c.wmu.Unlock()
	return id, c.startID(json.RawMessage(strconv.Itoa(id)), method, params)
}

// startID sends a request with the given raw id.
func (c *rawClient) startID(id json.RawMessage, method string, params any) chan message {
	ch := make(chan message, 1)
	c.mu.Lock()
	c.pending[string(id)] = ch
	c.mu.Unlock()
	req := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	c.write(mustJSON(c.t, req))
	return ch
}

// wait returns the response on ch.
func (c *rawClient) wait(ch chan message) message {
	c.t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(waitTimeout):
		c.t.Fatalf("no response within %v", waitTimeout)
		return message{}
	}
}

// call sends a request and decodes its result into out (when not nil).
func (c *rawClient) call(method string, params, out any) *rpcError {
	c.t.Helper()
	_, ch := c.start(method, params)
	m := c.wait(ch)
	if m.Error != nil {
		return m.Error
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			c.t.Fatalf("%s: decoding result %s: %v", method, m.Result, err)
		}
	}
	return nil
}

// mustCall is call that fails the test on an error response.
func (c *rawClient) mustCall(method string, params, out any) {
	c.t.Helper()
	if err := c.call(method, params, out); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *rawClient) notify(method string, params any) {
	req := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		req["params"] = params
	}
	c.write(mustJSON(c.t, req))
}

// waitFor blocks until a received message satisfies ok and returns it.
func (c *rawClient) waitFor(what string, ok func(message) bool) message {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	seen := 0
	for {
		c.mu.Lock()
		for ; seen < len(c.log); seen++ {
			if ok(c.log[seen]) {
				m := c.log[seen]
				c.mu.Unlock()
				return m
			}
		}
		changed, closed := c.changed, c.closed
		c.mu.Unlock()
		if closed {
			c.t.Fatalf("connection closed while waiting for %s", what)
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("no %s within %v", what, waitTimeout)
		}
	}
}

// received returns a copy of everything received so far.
func (c *rawClient) received() []message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]message(nil), c.log...)
}

func isNote(method string) func(message) bool {
	return func(m message) bool { return m.Method == method && len(m.ID) == 0 }
}

// initParams are the params a client like VS Code sends, trimmed to what the
// server reads.
func initParams(resolve, progress, annotations bool, opts any) map[string]any {
	caps := map[string]any{
		"textDocument": map[string]any{"codeAction": map[string]any{
			"dataSupport":              true,
			"codeActionLiteralSupport": map[string]any{"codeActionKind": map[string]any{"valueSet": []string{"quickfix", "refactor", "source"}}},
		}},
		"workspace": map[string]any{"applyEdit": true},
		"window":    map[string]any{"workDoneProgress": progress},
	}
	if resolve {
		caps["textDocument"].(map[string]any)["codeAction"].(map[string]any)["resolveSupport"] = map[string]any{"properties": []string{"edit"}}
	}
	if annotations {
		caps["workspace"].(map[string]any)["workspaceEdit"] = map[string]any{"documentChanges": true, "changeAnnotationSupport": map[string]any{"groupsOnLabel": true}}
	}
	p := map[string]any{"processId": nil, "rootUri": nil, "capabilities": caps, "clientInfo": map[string]any{"name": "test"}}
	if opts != nil {
		p["initializationOptions"] = opts
	}
	return p
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func timeAfter() <-chan time.Time { return time.After(waitTimeout) }
