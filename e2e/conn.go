// Package e2e drives the built llxprt-ls binary from outside, the way an
// editor or an MCP client does: a child process spoken to over its stdin and
// stdout. The non-test files are a small JSON-RPC client ([Conn], [Proc])
// that the fault-and-abuse tests in this package and the benchmark harness
// (go run ./bench) share; the tests are the chaos soak, hostile input and
// leak checks.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Framing is how JSON-RPC messages are delimited on the pipe.
type Framing int

const (
	// LSP frames each message with a Content-Length header.
	LSP Framing = iota
	// MCP writes one message per line.
	MCP
)

// Message is one JSON-RPC 2.0 message as read from the server.
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// RPCError is a JSON-RPC error response.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("e2e: rpc error %d: %s", e.Code, e.Message) }

// ErrClosed is returned by calls pending when the server's output ends.
var ErrClosed = errors.New("e2e: connection closed")

// Conn is a JSON-RPC client over one reader/writer pair. Calls may be made
// from many goroutines; a server-to-client request is answered with a null
// result so the server never waits on us.
type Conn struct {
	framing Framing

	wmu sync.Mutex
	w   io.Writer

	mu      sync.Mutex
	next    int64
	pending map[string]chan Message
	other   []Message // responses with an unknown id (parse errors have id null)
	notes   int64

	onNotify func(Message)

	done    chan struct{}
	readErr error
}

// SetNotify makes fn see every notification from the server (nil: none).
// fn runs on the reading goroutine and must not block.
func (c *Conn) SetNotify(fn func(Message)) {
	c.mu.Lock()
	c.onNotify = fn
	c.mu.Unlock()
}

// NewConn starts reading r; Done is closed when r ends.
func NewConn(framing Framing, r io.Reader, w io.Writer) *Conn {
	c := &Conn{framing: framing, w: w, pending: map[string]chan Message{}, done: make(chan struct{})}
	go c.read(bufio.NewReaderSize(r, 1<<16))
	return c
}

// Done is closed when the server's output ends; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is the read error that ended the connection (nil before Done).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.readErr
	default:
		return nil
	}
}

// Notifications counts notifications received so far.
func (c *Conn) Notifications() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.notes
}

// Orphans returns responses whose id matched no call (a parse error's null
// id, a reply to a raw frame).
func (c *Conn) Orphans() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.other...)
}

func (c *Conn) read(r *bufio.Reader) {
	defer close(c.done)
	for {
		body, err := c.readFrame(r)
		if err != nil {
			c.readErr = err
			c.mu.Lock()
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		var m Message
		if json.Unmarshal(body, &m) != nil {
			continue
		}
		c.dispatch(m)
	}
}

func (c *Conn) dispatch(m Message) {
	switch {
	case m.Method != "" && len(m.ID) > 0: // a request from the server
		_ = c.writeMessage(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": nil})
	case m.Method != "":
		c.mu.Lock()
		c.notes++
		fn := c.onNotify
		c.mu.Unlock()
		if fn != nil {
			fn(m)
		}
	default:
		c.mu.Lock()
		ch, ok := c.pending[string(m.ID)]
		if ok {
			delete(c.pending, string(m.ID))
		} else {
			c.other = append(c.other, m)
		}
		c.mu.Unlock()
		if ok {
			ch <- m
		}
	}
}

// readFrame reads one message body in the connection's framing.
func (c *Conn) readFrame(r *bufio.Reader) ([]byte, error) {
	if c.framing == MCP {
		for {
			line, err := r.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				return line, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	n := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, err = strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("e2e: bad Content-Length %q: %w", v, err)
			}
		}
	}
	if n < 0 {
		return nil, errors.New("e2e: frame without Content-Length")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

// Frame wraps body in the connection's framing.
func (c *Conn) Frame(body []byte) []byte {
	if c.framing == MCP {
		return append(append([]byte(nil), body...), '\n')
	}
	return append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

// WriteRaw writes b to the server as it is, unframed.
func (c *Conn) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(b); err != nil {
		return fmt.Errorf("e2e: write: %w", err)
	}
	return nil
}

func (c *Conn) writeMessage(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("e2e: encode: %w", err)
	}
	return c.WriteRaw(c.Frame(b))
}

// Notify sends a notification.
func (c *Conn) Notify(method string, params any) error {
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		m["params"] = params
	}
	return c.writeMessage(m)
}

// Start sends a request and returns the channel its response arrives on
// (closed without a value if the connection ends first), and its id.
func (c *Conn) Start(method string, params any) (id int64, resp <-chan Message, err error) {
	c.mu.Lock()
	c.next++
	id = c.next
	ch := make(chan Message, 1)
	c.pending[strconv.FormatInt(id, 10)] = ch
	c.mu.Unlock()
	m := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		m["params"] = params
	}
	if err := c.writeMessage(m); err != nil {
		c.forget(id)
		return id, nil, err
	}
	return id, ch, nil
}

func (c *Conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, strconv.FormatInt(id, 10))
	c.mu.Unlock()
}

// Call sends a request and waits for its response. A JSON-RPC error comes
// back as *RPCError; ctx bounds the wait (the request is then forgotten,
// not cancelled on the server).
func (c *Conn) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id, ch, err := c.Start(method, params)
	if err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("e2e: %s: %w", method, ErrClosed)
		}
		if m.Error != nil {
			return nil, m.Error
		}
		return m.Result, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, fmt.Errorf("e2e: %s: %w", method, ctx.Err())
	}
}
