package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// serverState is where the session is in the LSP lifecycle.
type serverState int

const (
	serverCreated serverState = iota
	serverInitializing
	serverInitialized
	serverShutDown
)

func (s serverState) String() string {
	switch s {
	case serverCreated:
		return "created"
	case serverInitializing:
		return "initializing"
	case serverInitialized:
		return "initialized"
	case serverShutDown:
		return "shut down"
	}
	return fmt.Sprintf("serverState(%d)", int(s))
}

// clientCaps is what the server uses from the client's capabilities.
type clientCaps struct {
	resolveEdit      bool // codeAction/resolve may fill in "edit"
	workDoneProgress bool // window/workDoneProgress/create is understood
	annotations      bool // workspaceEdit.changeAnnotationSupport
	applyEdit        bool // workspace/applyEdit is understood
}

// langServer implements protocol.Server for one connection. Methods it does not
// support fall through to UnimplementedServer, whose MethodNotFound the guard
// rewords.
type langServer struct {
	protocol.UnimplementedServer

	b      Backend
	conn   jsonrpc2.Conn
	client protocol.Client
	log    zerolog.Logger
	docs   *documents
	notes  *notifier
	tokens atomic.Int64 // work-done progress tokens created by the server

	// handlers counts running handlers, awaited when Serve ends; once
	// draining is set no handler starts, so Add never races with Wait.
	handlersMu sync.Mutex
	draining   bool
	handlers   sync.WaitGroup

	exited   chan struct{}
	exitOnce sync.Once

	stateMu sync.Mutex
	state   serverState
	caps    clientCaps
}

func newServer(b Backend, conn jsonrpc2.Conn, log zerolog.Logger) *langServer {
	s := &langServer{
		b:      b,
		conn:   conn,
		client: protocol.ClientDispatcher(conn),
		log:    log,
		docs:   newDocuments(),
		exited: make(chan struct{}),
	}
	s.notes = newNotifier(s)
	return s
}

// admit enforces the lifecycle: before initialize only initialize and exit
// are served (other requests get ServerNotInitialized, notifications are
// dropped); after shutdown only exit is.
func (s *langServer) admit(method string, call bool) error {
	if method == protocol.MethodExit || method == protocol.MethodCancelRequest {
		return nil
	}
	s.stateMu.Lock()
	state := s.state
	s.stateMu.Unlock()
	switch {
	case state == serverCreated && method != protocol.MethodInitialize:
		if !call {
			return fmt.Errorf("lsp: %s before initialize: dropped", method)
		}
		return jsonrpc2.Errorf(codeServerNotInitialized, "lsp: %s before initialize", method)
	case state == serverShutDown && method != protocol.MethodShutdown:
		return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "lsp: %s after shutdown: only exit is accepted", method)
	}
	return nil
}

func (s *langServer) capabilities() clientCaps {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.caps
}

// initOptions is initializationOptions: {"profile": "name"} loads that
// profile for this session.
type initOptions struct {
	Profile string `json:"profile"`
}

// commands are the workspace/executeCommand commands, for clients that only
// speak standard LSP.
var commands = []string{cmdChat, cmdProfileLoad, cmdProfileList, cmdProfileSave, cmdStatus, cmdAuthStatus, cmdApplyCodeAction}

func (s *langServer) Initialize(ctx context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	s.stateMu.Lock()
	if s.state != serverCreated {
		state := s.state
		s.stateMu.Unlock()
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "lsp: initialize: the server is already %s", state)
	}
	s.state = serverInitializing
	s.caps = readCaps(&params.Capabilities)
	s.stateMu.Unlock()

	var opts initOptions
	if len(params.InitializationOptions) > 0 && string(params.InitializationOptions) != "null" {
		if err := json.Unmarshal(params.InitializationOptions, &opts); err != nil {
			s.stateMu.Lock()
			s.state = serverCreated
			s.stateMu.Unlock()
			return nil, invalidParams(protocol.MethodInitialize, "initializationOptions: %v", err)
		}
	}
	if opts.Profile != "" {
		if _, err := s.b.LoadProfile(ctx, opts.Profile, false); err != nil {
			// The session stays usable on the default profile; say why the
			// requested one is not active.
			s.log.Warn().Err(err).Str("profile", opts.Profile).Msg("initializationOptions.profile not loaded")
			_ = s.client.ShowMessage(context.WithoutCancel(ctx), &protocol.ShowMessageParams{
				Type:    protocol.MessageTypeWarning,
				Message: fmt.Sprintf("llxprt: profile %q not loaded: %v", opts.Profile, err),
			})
		}
	}

	change := protocol.TextDocumentSyncKindIncremental
	return &protocol.InitializeResult{
		ServerInfo: protocol.ServerInfo{Name: "llxprt-ls", Version: protocol.NewOptional(version())},
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: protocol.PositionEncodingKindUTF16,
			TextDocumentSync: &protocol.TextDocumentSyncOptions{OpenClose: ptr(true), Change: &change},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix, protocol.CodeActionKindRefactorRewrite, protocol.CodeActionKindSource},
				ResolveProvider: ptr(true),
			},
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: slices.Clone(commands)},
		},
	}, nil
}

func readCaps(c *protocol.ClientCapabilities) clientCaps {
	var caps clientCaps
	if td := c.TextDocument; td != nil && td.CodeAction != nil {
		caps.resolveEdit = slices.Contains(td.CodeAction.ResolveSupport.Properties, "edit")
	}
	if w := c.Window; w != nil && w.WorkDoneProgress != nil {
		caps.workDoneProgress = *w.WorkDoneProgress
	}
	if ws := c.Workspace; ws != nil {
		caps.applyEdit = ws.ApplyEdit != nil && *ws.ApplyEdit
		// Annotated edits only travel in documentChanges.
		we := ws.WorkspaceEdit
		caps.annotations = we != nil && we.ChangeAnnotationSupport != nil && we.DocumentChanges != nil && *we.DocumentChanges
	}
	return caps
}

// Initialized starts the status notifications: the client is ready for them.
func (s *langServer) Initialized(ctx context.Context, _ *protocol.InitializedParams) error {
	s.stateMu.Lock()
	if s.state == serverInitializing {
		s.state = serverInitialized
	}
	s.stateMu.Unlock()
	s.notes.start()
	return nil
}

// Shutdown stops the notifications; a second shutdown is a no-op.
func (s *langServer) Shutdown(ctx context.Context) error {
	s.stateMu.Lock()
	s.state = serverShutDown
	s.stateMu.Unlock()
	s.stopNotifier()
	return nil
}

// Exit ends the session; Serve returns once the connection has drained.
func (s *langServer) Exit(ctx context.Context) error {
	s.exitOnce.Do(func() { close(s.exited) })
	return nil
}

func (s *langServer) exitCode() int {
	select {
	case <-s.exited:
	default:
		return 1 // the input ended or the server was stopped without exit
	}
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if s.state == serverShutDown {
		return 0
	}
	return 1
}

func (s *langServer) stopNotifier() { s.notes.stop() }

// enter registers a handler about to run; false once Serve is draining.
func (s *langServer) enter() bool {
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	if s.draining {
		return false
	}
	s.handlers.Add(1)
	return true
}

// drain stops new handlers from starting and waits up to d for the running
// ones; it reports whether they all returned.
func (s *langServer) drain(d time.Duration) bool {
	s.handlersMu.Lock()
	s.draining = true
	s.handlersMu.Unlock()
	return runWithin(s.handlers.Wait, d)
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func ptr[T any](v T) *T { return &v }
