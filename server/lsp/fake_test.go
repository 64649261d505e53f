package lsp

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/server"
)

// fakeBackend is a Backend whose answers tests script. Every call is recorded.
type fakeBackend struct {
	mu         sync.Mutex
	chats      []server.ChatRequest
	runs       []server.ActionRequest
	loads      []string
	saves      map[string]string
	actionsAsk int
	subs       map[int]func(server.StatusEvent)
	nextSub    int

	// chat answers Chat; nil streams the prompt back in three pieces.
	chat func(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error)
	// run answers RunAction; nil prepends "// done\n" to the code.
	run func(ctx context.Context, req server.ActionRequest) (*server.ActionResult, error)
}

func newFake() *fakeBackend {
	return &fakeBackend{saves: map[string]string{}, subs: map[int]func(server.StatusEvent){}}
}

func (f *fakeBackend) Chat(ctx context.Context, req server.ChatRequest, onDelta func(string)) (*server.ChatResult, error) {
	f.mu.Lock()
	f.chats = append(f.chats, req)
	fn := f.chat
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, req, onDelta)
	}
	pieces := []string{"echo: ", req.Prompt[:len(req.Prompt)/2], req.Prompt[len(req.Prompt)/2:]}
	for _, p := range pieces {
		if onDelta != nil {
			onDelta(p)
		}
	}
	return &server.ChatResult{SessionID: "s1", Text: strings.Join(pieces, ""), Provider: "fake", Model: "m1"}, nil
}

func (f *fakeBackend) Actions(hasDiagnostics bool) []server.Action {
	f.mu.Lock()
	f.actionsAsk++
	f.mu.Unlock()
	var out []server.Action
	if hasDiagnostics {
		out = append(out, server.Action{ID: "fix", Title: "LLxprt: Fix", Kind: "quickfix", Edits: true})
	}
	return append(out,
		server.Action{ID: "refactor", Title: "LLxprt: Refactor selection", Kind: "refactor.rewrite", Edits: true},
		server.Action{ID: "test", Title: "LLxprt: Generate tests", Kind: "source", Edits: true},
		server.Action{ID: "explain", Title: "LLxprt: Explain", Kind: "", Edits: false},
	)
}

func (f *fakeBackend) RunAction(ctx context.Context, req server.ActionRequest, onDelta func(string)) (*server.ActionResult, error) {
	f.mu.Lock()
	f.runs = append(f.runs, req)
	fn := f.run
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, req)
	}
	if req.Action == "explain" {
		return &server.ActionResult{Explanation: "it adds"}, nil
	}
	return &server.ActionResult{Code: "// done\n" + req.Code, ChatResult: server.ChatResult{Provider: "fake", Model: "m1"}}, nil
}

func (f *fakeBackend) Profiles() ([]server.ProfileInfo, error) {
	var a, b server.ProfileInfo
	a.Name, a.Active = "work", true
	b.Name = "home"
	return []server.ProfileInfo{a, b}, nil
}

func (f *fakeBackend) LoadProfile(ctx context.Context, name string, persist bool) (*server.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "missing" {
		return nil, errors.New("server: profile \"missing\" not found")
	}
	f.loads = append(f.loads, name)
	return &server.Status{Profile: name, Policy: "failover"}, nil
}

func (f *fakeBackend) SaveProfile(name string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saves[name] = string(data)
	return nil
}

func (f *fakeBackend) Status() server.Status {
	return server.Status{Profile: "work", Policy: "failover", LastServed: "b1"}
}

func (f *fakeBackend) AuthStatus() []server.AuthStatus {
	return []server.AuthStatus{{Provider: "qwen", Message: "not logged in: run `llxprt-ls auth login qwen`"}}
}

func (f *fakeBackend) Subscribe(fn func(server.StatusEvent)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextSub
	f.nextSub++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

// emit calls every subscriber, as the service does from its own goroutines.
func (f *fakeBackend) emit(ev server.StatusEvent) {
	f.mu.Lock()
	fns := make([]func(server.StatusEvent), 0, len(f.subs))
	for _, fn := range f.subs {
		fns = append(fns, fn)
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

func (f *fakeBackend) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeBackend) runCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.runs)
}

// session is a Serve running over net.Pipe with a test client on the other end.
type session struct {
	*rawClient
	b    *fakeBackend
	pipe net.Conn
	done chan result
}

type result struct {
	code int
	err  error
}

// serve starts Serve with b and returns the client end.
func serve(t testing.TB, b *fakeBackend) *session {
	t.Helper()
	srvEnd, cliEnd := net.Pipe()
	done := make(chan result, 1)
	go func() {
		code, err := Serve(t.Context(), b, srvEnd, srvEnd, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel))
		done <- result{code, err}
	}()
	s := &session{rawClient: newRawClient(t, cliEnd, cliEnd), b: b, pipe: cliEnd, done: done}
	t.Cleanup(func() {
		cliEnd.Close()
		s.result()
	})
	return s
}

// start serves and initializes with the given capabilities.
func start(t testing.TB, b *fakeBackend, resolve, progress, annotations bool) *session {
	t.Helper()
	s := serve(t, b)
	s.mustCall("initialize", initParams(resolve, progress, annotations, nil), nil)
	s.notify("initialized", map[string]any{})
	return s
}

// result waits for Serve to return.
func (s *session) result() result {
	s.t.Helper()
	select {
	case r := <-s.done:
		s.done <- r
		return r
	case <-timeAfter():
		s.t.Fatalf("Serve did not return")
		return result{}
	}
}

const docURI = "file:///tmp/x/main.go"

func (s *session) open(uri, lang, text string) {
	s.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": lang, "version": 1, "text": text}})
}

var errFake = errors.New("fake: every bucket failed")

// *server.Service is the Backend cmd/llxprt-ls passes to Serve.
var _ Backend = (*server.Service)(nil)
