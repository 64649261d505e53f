package lsp

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInitializeCapabilities(t *testing.T) {
	s := serve(t, newFake())
	var res struct {
		ServerInfo   struct{ Name, Version string } `json:"serverInfo"`
		Capabilities struct {
			PositionEncoding string `json:"positionEncoding"`
			TextDocumentSync struct {
				OpenClose bool `json:"openClose"`
				Change    int  `json:"change"`
			} `json:"textDocumentSync"`
			CodeActionProvider struct {
				CodeActionKinds []string `json:"codeActionKinds"`
				ResolveProvider bool     `json:"resolveProvider"`
			} `json:"codeActionProvider"`
			ExecuteCommandProvider struct {
				Commands []string `json:"commands"`
			} `json:"executeCommandProvider"`
		} `json:"capabilities"`
	}
	s.mustCall("initialize", initParams(true, true, false, nil), &res)
	if res.ServerInfo.Name != "llxprt-ls" || res.ServerInfo.Version == "" {
		t.Errorf("serverInfo = %+v, want name llxprt-ls and a version", res.ServerInfo)
	}
	c := res.Capabilities
	if c.PositionEncoding != "utf-16" || !c.TextDocumentSync.OpenClose || c.TextDocumentSync.Change != 2 {
		t.Errorf("sync = %q %+v, want utf-16, openClose, incremental (2)", c.PositionEncoding, c.TextDocumentSync)
	}
	if diff := cmp.Diff([]string{"quickfix", "refactor.rewrite", "source"}, c.CodeActionProvider.CodeActionKinds); diff != "" || !c.CodeActionProvider.ResolveProvider {
		t.Errorf("codeActionProvider (-want +got):\n%s resolve=%v", diff, c.CodeActionProvider.ResolveProvider)
	}
	want := []string{"llxprt.chat", "llxprt.profile.load", "llxprt.profile.list", "llxprt.profile.save", "llxprt.status", "llxprt.auth.status", "llxprt.applyCodeAction"}
	if diff := cmp.Diff(want, c.ExecuteCommandProvider.Commands); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}

	err := s.call("initialize", initParams(true, true, false, nil), nil)
	if err == nil || err.Code != -32600 {
		t.Errorf("second initialize: err = %v, want InvalidRequest", err)
	}
}

func TestInitializationOptionsProfile(t *testing.T) {
	tests := []struct {
		name      string
		profile   string
		wantLoads []string
		wantShown bool
	}{
		{"loads the profile", "home", []string{"home"}, false},
		{"warns when it cannot", "missing", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			s := serve(t, b)
			s.mustCall("initialize", initParams(true, false, false, map[string]any{"profile": tt.profile}), nil)
			if diff := cmp.Diff(tt.wantLoads, b.loads); diff != "" {
				t.Errorf("loads (-want +got):\n%s", diff)
			}
			if tt.wantShown {
				m := s.waitFor("showMessage", isNote("window/showMessage"))
				if !containsAll(string(m.Params), "missing", "not loaded") {
					t.Errorf("showMessage = %s", m.Params)
				}
			}
		})
	}
}

func TestRequestBeforeInitialize(t *testing.T) {
	s := serve(t, newFake())
	err := s.call("llxprt/status", nil, nil)
	if err == nil || err.Code != -32002 {
		t.Fatalf("status before initialize: err = %v, want -32002", err)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		shutdown int // shutdown requests before exit
		exit     bool
		want     int
	}{
		{"shutdown then exit", 1, true, 0},
		{"shutdown twice then exit", 2, true, 0},
		{"exit without shutdown", 0, true, 1},
		{"end of input", 0, false, 1},
		{"end of input after shutdown", 1, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFake()
			s := start(t, b, true, false, false)
			s.mustCall("llxprt/status", nil, nil) // the notifier is running
			for range tt.shutdown {
				s.mustCall("shutdown", nil, nil)
			}
			if tt.shutdown > 0 {
				if err := s.call("llxprt/status", nil, nil); err == nil || err.Code != -32600 {
					t.Errorf("request after shutdown: err = %v, want InvalidRequest", err)
				}
			}
			if tt.exit {
				s.notify("exit", nil)
			} else {
				s.pipe.Close()
			}
			r := s.result()
			if r.code != tt.want || r.err != nil {
				t.Errorf("Serve = %d, %v; want %d, nil", r.code, r.err, tt.want)
			}
			if n := b.subscribers(); n != 0 {
				t.Errorf("%d status subscribers left after Serve returned", n)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	got := []string{serverCreated.String(), serverInitializing.String(), serverInitialized.String(), serverShutDown.String(), serverState(9).String()}
	want := []string{"created", "initializing", "initialized", "shut down", "serverState(9)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

var _ = json.Marshal

// Messages that arrive after exit, while Serve drains, are dropped without
// starting a handler: under -race, a handler starting while Serve waits for
// the running ones was a WaitGroup misuse the detector reported.
func TestMessagesAfterExit(t *testing.T) {
	for range 200 {
		s := start(t, newFake(), true, false, false)
		s.notify("exit", nil)
		for range 20 {
			s.notify("$/setTrace", map[string]any{"value": "off"})
		}
		if r := s.result(); r.code != 1 || r.err != nil {
			t.Fatalf("Serve = %d, %v; want 1, nil", r.code, r.err)
		}
	}
}
