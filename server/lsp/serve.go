package lsp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// closeGrace bounds how long Serve waits, after exit, for cancelled
// handlers to return; readGrace how long for the input to close.
const (
	closeGrace = 2 * time.Second
	readGrace  = 200 * time.Millisecond
)

// runWithin runs f in a goroutine and reports whether it returned within d.
func runWithin(f func(), d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// Serve speaks LSP with one client on in and out until the client sends exit,
// the input ends or ctx is done. It returns the process exit code the
// specification asks for: 0 after shutdown then exit, 1 for exit without
// shutdown, end of input or cancellation. err reports a broken transport (an
// unreadable header, a failed write); a malformed message is answered with
// an error response and does not end the session.
func Serve(ctx context.Context, b Backend, in io.Reader, out io.Writer, logger zerolog.Logger) (exitCode int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	logger = logger.With().Str("component", "lsp").Logger()
	rw := &pipe{in: newLimitReader(in, MaxMessageBytes), closer: in, out: out, ended: make(chan struct{})}
	stream := newStream(jsonrpc2.NewHeaderStream(rw), logger)
	conn := jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(codec{}))
	s := newServer(b, conn, logger)
	ctx = protocol.WithClient(ctx, s.client)
	conn.Go(ctx, s.handler())

	// The end of the input stops the session at once: jsonrpc2 marks the
	// connection done only when no request is in flight, so waiting for
	// conn.Done alone would let a running chat go on, and its provider call
	// with it, for an editor that has gone.
	select {
	case <-s.exited:
	case <-rw.ended:
	case <-conn.Done():
	case <-ctx.Done():
	}
	s.stopNotifier()
	cancel() // in-flight handlers and their provider calls stop here
	if !s.drain(closeGrace) {
		logger.Warn().Msg("handlers still running after exit; leaving them to the process exit")
	}
	// Close waits for the read goroutine, which a blocking stdin keeps in
	// read(2) whatever Close does; the editor closes the pipe or the
	// process exits, so do not wait long for it.
	if !runWithin(func() { _ = conn.Close() }, readGrace) {
		logger.Debug().Msg("input still open after exit")
	}
	code := s.exitCode()
	if cerr := conn.Err(); cerr != nil {
		logger.Error().Err(cerr).Msg("connection failed")
		return code, fmt.Errorf("lsp: connection: %w", cerr)
	}
	return code, nil
}

// pipe joins the two halves of stdio into the ReadWriteCloser jsonrpc2
// wants. Close closes whichever halves can be closed. ended is closed when
// a read fails (end of input or a broken pipe): the client is gone.
type pipe struct {
	in     io.Reader
	closer io.Reader // the original input, closed by Close
	out    io.Writer
	ended  chan struct{}
	once   sync.Once
}

func (p *pipe) Read(b []byte) (int, error) {
	n, err := p.in.Read(b)
	if err != nil {
		p.once.Do(func() { close(p.ended) })
	}
	return n, err
}

func (p *pipe) Write(b []byte) (int, error) { return p.out.Write(b) }
func (p *pipe) Close() error {
	var errs []error
	if c, ok := p.closer.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if c, ok := p.out.(io.Closer); ok && any(p.out) != any(p.closer) {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// codec marshals payloads with protocol.Marshal/Unmarshal, which know the
// LSP union types, as protocol.NewServer's unexported codec does. Raw
// messages pass through: the llxprt/* results are encoded with encoding/json
// beforehand so their shape is the one the service's types declare.
type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case jsonrpc2.RawMessage:
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	case *jsonrpc2.RawMessage:
		if m == nil || *m == nil {
			return []byte("null"), nil
		}
		return *m, nil
	}
	return protocol.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// handler builds the dispatch chain: guard (panics, invalid UTF-8, error
// codes, lifecycle) → protocol.CancelHandler ($/cancelRequest with numeric
// or string ids cancels the request's ctx) → llxprt/* methods, else
// protocol.ServerHandler. Requests run inline on the read loop, in wire
// order, unless a handler releases it with jsonrpc2.Async: the slow ones
// (resolve, executeCommand, chat, profile load) do, so didChange and
// codeAction never wait behind a model call, while text synchronization
// keeps its order.
func (s *langServer) handler() jsonrpc2.Handler {
	std := protocol.ServerHandler(s, jsonrpc2.MethodNotFoundHandler)
	route := func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		if strings.HasPrefix(req.Method(), "llxprt/") {
			return s.custom(ctx, req)
		}
		return std(ctx, req)
	}
	return s.guard(protocol.CancelHandler(route))
}
