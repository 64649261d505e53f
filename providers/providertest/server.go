// Package providertest runs fake vendor HTTP servers on 127.0.0.1 that speak
// each vendor's real wire format (JSON errors and SSE streams) and answer each
// request from a [Script], including scripted faults: an error status, a hang
// before headers, a hang or a cut after K chunks, a malformed line, a
// mid-stream error event, a stream that never sends its stop event.
//
// Every test, benchmark and the demo command use these servers, so they are
// importable outside tests and cheap: one goroutine per request, no sleeps
// unless a script asks for a pace.
//
// Use [NewAnthropic], [NewOpenAI] (Chat Completions and Responses; also Qwen
// and any OpenAI-compatible client) or [NewGemini], queue scripts with
// [Server.Push] or answer dynamically with [Server.SetResponder], and read
// what arrived with [Server.Requests].
package providertest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// Fault is a scripted misbehaviour.
type Fault uint8

// The faults a Script can ask for. "After K chunks" counts content chunks
// (thinking and text pieces) already written and flushed.
const (
	FaultNone Fault = iota
	// FaultHangBeforeHeaders never answers; the handler returns when the
	// client goes away or the server closes.
	FaultHangBeforeHeaders
	// FaultHangAfter sends K chunks, then goes silent until the client leaves.
	FaultHangAfter
	// FaultCutAfter sends K chunks, then drops the TCP connection.
	FaultCutAfter
	// FaultMalformedAfter sends K chunks, then a line that is not valid JSON,
	// then ends the response.
	FaultMalformedAfter
	// FaultErrorEventAfter sends K chunks, then the vendor's mid-stream error
	// event (built from ErrorType, ErrorStatus and Message), then ends.
	FaultErrorEventAfter
	// FaultNoStop sends every chunk but never the vendor's stop event.
	FaultNoStop
	// FaultResetAfter sends K chunks, then resets the TCP connection (an
	// RST, as a crashing proxy or a load balancer's idle cut sends), where
	// FaultCutAfter closes it in order and the client reads an early EOF.
	FaultResetAfter
)

// Script says how the fake server answers one request.
type Script struct {
	// Status, when neither 0 nor 200, answers at once with this status,
	// Headers and Body. An empty Body gets a vendor-shaped error body from
	// ErrorType and Message.
	Status  int
	Headers map[string]string
	Body    string

	// ErrorType is the vendor's error type for error bodies and mid-stream
	// error events ("overloaded_error", "rate_limit_error", …; a sensible
	// one per status when empty). ErrorStatus is the status a mid-stream
	// error stands for (default 500). Message is the error's text.
	ErrorType   string
	ErrorStatus int
	Message     string

	// Text is the answer, streamed one piece per chunk (DefaultText when
	// both Text and Thinking are empty). Thinking pieces go first.
	Text     []string
	Thinking []string
	// Usage is reported at the end; zero means counted from the request
	// and the pieces.
	Usage providers.Usage

	// FirstDelay waits after the headers before the first chunk; Delay
	// waits between chunks; HeaderDelay waits before the headers.
	HeaderDelay time.Duration
	FirstDelay  time.Duration
	Delay       time.Duration

	Fault Fault
	After int // K for the *After faults
}

// DefaultText is what a server streams when a script names no text.
var DefaultText = []string{"Hello", " from", " the", " fake", " server", "."}

// Recorded is one request as the server received it.
type Recorded struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// JSON decodes the recorded body into a generic map (nil when not JSON).
func (r Recorded) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Wire writes one vendor's format. Implementations live beside this file,
// one per vendor; the Server does the faults, pacing and recording.
type Wire interface {
	// Name is the vendor id ("anthropic", "openai", "gemini").
	Name() string
	// ErrorBody is the vendor's JSON body for an HTTP error reply.
	ErrorBody(c *Call, status int) []byte
	// Begin writes the headers' companions: the opening events.
	Begin(c *Call)
	Thinking(c *Call, piece string)
	Text(c *Call, piece string)
	// ErrorEvent writes the vendor's mid-stream error event.
	ErrorEvent(c *Call)
	// End writes usage and the stop event (or [DONE]).
	End(c *Call, u providers.Usage)
	// Malformed writes one broken line in the vendor's framing.
	Malformed(c *Call)
}

// Plain is an optional [Wire] capability for requests that are not a stream
// (a model list, a non-streamed completion). The Server asks it after the
// script's error status and header delay have been applied, so scripted
// faults work on these routes too.
type Plain interface {
	// Plain returns the status and JSON body of the reply, or ok=false when
	// the request is to be answered as a stream. A status of 0 means 200.
	Plain(c *Call) (status int, body []byte, ok bool)
}

// Call is one request being answered; wires write through it.
type Call struct {
	Req    Recorded
	Script *Script
	// Model is the model the request named (from the body or the path).
	Model string
	// N counts the content chunks written so far.
	N int
	// State is the wire's own per-call bookkeeping (sequence numbers, item
	// ids); the Server never reads it.
	State any

	w  http.ResponseWriter
	fl http.Flusher
}

// SSE writes one server-sent event: "event: NAME" (omitted when empty) and
// "data: JSON", then flushes.
func (c *Call) SSE(event string, v any) {
	var b bytes.Buffer
	if event != "" {
		b.WriteString("event: ")
		b.WriteString(event)
		b.WriteByte('\n')
	}
	b.WriteString("data: ")
	switch d := v.(type) {
	case string:
		b.WriteString(d)
	case []byte:
		b.Write(d)
	default:
		j, _ := json.Marshal(v)
		b.Write(j)
	}
	b.WriteString("\n\n")
	c.Raw(b.Bytes())
}

// Raw writes bytes as they are and flushes.
func (c *Call) Raw(b []byte) {
	_, _ = c.w.Write(b)
	c.fl.Flush()
}

// ErrorType returns the script's error type or a vendor-neutral default for
// the status.
func (c *Call) ErrorType(status int, def map[int]string, fallback string) string {
	if c.Script.ErrorType != "" {
		return c.Script.ErrorType
	}
	if t, ok := def[status]; ok {
		return t
	}
	return fallback
}

// Message returns the script's message or a default for the status.
func (c *Call) Message(status int) string {
	if c.Script.Message != "" {
		return c.Script.Message
	}
	if t := http.StatusText(status); t != "" {
		return "fake: " + strings.ToLower(t)
	}
	return "fake: error"
}

// Server is a fake vendor server on 127.0.0.1.
type Server struct {
	// URL is the base URL to give an adapter ("http://127.0.0.1:PORT").
	URL string

	wire   Wire
	ln     net.Listener
	hs     *http.Server
	closed chan struct{}
	once   sync.Once

	mu        sync.Mutex
	queue     []Script
	def       Script
	responder func(Recorded) Script
	reqs      []Recorded
	record    bool

	gone   atomic.Int64 // requests whose client went away before the end
	active atomic.Int64
	total  atomic.Int64
}

// New starts a fake server speaking wire on 127.0.0.1 on a free port.
func New(wire Wire) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("providertest: listen: %v", err))
	}
	s := &Server{URL: "http://" + ln.Addr().String(), wire: wire, ln: ln, closed: make(chan struct{}), record: true}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go func() { _ = s.hs.Serve(ln) }()
	return s
}

// Close stops the server and unblocks every hanging handler.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		_ = s.hs.Close()
	})
}

// Addr is the listener's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Push queues scripts for the next requests, in order; once the queue is
// empty the responder or the default script answers.
func (s *Server) Push(scripts ...Script) {
	s.mu.Lock()
	s.queue = append(s.queue, scripts...)
	s.mu.Unlock()
}

// SetDefault sets the script used when the queue is empty.
func (s *Server) SetDefault(sc Script) {
	s.mu.Lock()
	s.def = sc
	s.mu.Unlock()
}

// SetResponder answers every request with f's script when the queue is empty
// (chaos tests, demos, echoing the prompt back).
func (s *Server) SetResponder(f func(Recorded) Script) {
	s.mu.Lock()
	s.responder = f
	s.mu.Unlock()
}

// SetRecording turns request recording on or off (benchmarks turn it off).
func (s *Server) SetRecording(on bool) {
	s.mu.Lock()
	s.record = on
	s.mu.Unlock()
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.reqs...)
}

// Reset forgets recorded requests and queued scripts.
func (s *Server) Reset() {
	s.mu.Lock()
	s.reqs, s.queue = nil, nil
	s.mu.Unlock()
}

// Abandoned counts requests whose client went away before the server
// finished answering: a cancel that reached the vendor.
func (s *Server) Abandoned() int64 { return s.gone.Load() }

// Active counts requests being answered now.
func (s *Server) Active() int64 { return s.active.Load() }

// Total counts every request received.
func (s *Server) Total() int64 { return s.total.Load() }

func (s *Server) next(rec Recorded) Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.record {
		s.reqs = append(s.reqs, rec)
	}
	if len(s.queue) > 0 {
		sc := s.queue[0]
		s.queue = s.queue[1:]
		return sc
	}
	if s.responder != nil {
		return s.responder(rec)
	}
	return s.def
}

// ServeHTTP answers one request from its script.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.total.Add(1)
	s.active.Add(1)
	defer s.active.Add(-1)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	sc := s.next(rec)
	c := &Call{Req: rec, Script: &sc, Model: modelOf(rec), w: w}
	c.fl, _ = w.(http.Flusher)
	if c.fl == nil {
		c.fl = nopFlusher{}
	}
	ctx := r.Context()
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			s.gone.Add(1)
			return false
		case <-s.closed:
			return false
		}
	}
	hang := func() {
		select {
		case <-ctx.Done():
			s.gone.Add(1)
		case <-s.closed:
		}
	}
	if sc.Fault == FaultHangBeforeHeaders {
		hang()
		return
	}
	if !wait(sc.HeaderDelay) {
		return
	}
	for k, v := range sc.Headers {
		w.Header().Set(k, v)
	}
	if sc.Status != 0 && sc.Status != http.StatusOK {
		b := []byte(sc.Body)
		if sc.Body == "" {
			b = s.wire.ErrorBody(c, sc.Status)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(sc.Status)
		_, _ = w.Write(b)
		return
	}
	if p, ok := s.wire.(Plain); ok {
		if status, b, ok := p.Plain(c); ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(cmp.Or(status, http.StatusOK))
			_, _ = w.Write(b)
			return
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s.wire.Begin(c)
	text, thinking := sc.Text, sc.Thinking
	if len(text) == 0 && len(thinking) == 0 {
		text = DefaultText
	}
	type piece struct {
		s        string
		thinking bool
	}
	pieces := make([]piece, 0, len(text)+len(thinking))
	for _, p := range thinking {
		pieces = append(pieces, piece{p, true})
	}
	for _, p := range text {
		pieces = append(pieces, piece{p, false})
	}
	out := 0
	for i, p := range pieces {
		if c.N == sc.After && s.fault(c, hang) {
			return
		}
		d := sc.Delay
		if i == 0 {
			d = sc.FirstDelay
		}
		if !wait(d) {
			return
		}
		if p.thinking {
			s.wire.Thinking(c, p.s)
		} else {
			s.wire.Text(c, p.s)
			out += len(p.s)
		}
		c.N++
	}
	if c.N == sc.After && s.fault(c, hang) {
		return
	}
	if sc.Fault == FaultNoStop {
		return
	}
	u := sc.Usage
	if u == (providers.Usage{}) {
		u = providers.Usage{InputTokens: max(1, len(body)/4), OutputTokens: max(1, out/4)}
	}
	s.wire.End(c, u)
}

// fault runs an *After fault at the current chunk; true means the answer is over.
func (s *Server) fault(c *Call, hang func()) bool {
	switch c.Script.Fault {
	case FaultHangAfter:
		hang()
		return true
	case FaultCutAfter:
		panic(http.ErrAbortHandler) // net/http drops the connection without logging
	case FaultResetAfter:
		resetConn(c.w)
		return true
	case FaultMalformedAfter:
		s.wire.Malformed(c)
		return true
	case FaultErrorEventAfter:
		s.wire.ErrorEvent(c)
		return true
	}
	return false
}

// resetConn takes the connection from net/http and closes it with an RST:
// a zero linger time discards what is unsent and resets instead of a FIN.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // cannot hijack: the nearest fault is a cut
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

type nopFlusher struct{}

func (nopFlusher) Flush() {}

// modelOf finds the model a request names: "model" in a JSON body, or the
// "models/NAME:" part of a Gemini path.
func modelOf(r Recorded) string {
	if i := strings.Index(r.Path, "/models/"); i >= 0 {
		m := r.Path[i+len("/models/"):]
		if j := strings.IndexByte(m, ':'); j >= 0 {
			m = m[:j]
		}
		return m
	}
	var v struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(r.Body, &v)
	return v.Model
}

// RetryAt is a Retry-After value in its HTTP-date form, d from now. Read
// back, it is d less up to a second (the form has whole seconds), which
// SameRetryAfter allows for.
func RetryAt(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }

// SameRetryAfter reports whether a parsed retry hint matches want: exactly,
// or, for hints of a minute or more (which come from clock times: HTTP
// dates and reset timestamps), to within two seconds below.
func SameRetryAfter(got, want time.Duration) bool {
	if want < time.Minute {
		return got == want
	}
	return got <= want && got > want-2*time.Second
}

// DeadURL returns a base URL on 127.0.0.1 where nothing listens (a listener
// bound and closed), for "connection refused" faults.
func DeadURL() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("providertest: listen: %v", err))
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}
