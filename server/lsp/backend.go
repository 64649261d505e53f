package lsp

import (
	"context"

	"github.com/llxprt/llxprt-ls/server"
)

// Backend is what the LSP front end needs from the service. *server.Service
// implements it; tests use a fake.
type Backend interface {
	// Chat answers a prompt, streaming deltas to onDelta in order from one
	// goroutine; ctx cancellation cancels the provider call.
	Chat(ctx context.Context, req server.ChatRequest, onDelta func(text string)) (*server.ChatResult, error)
	// Actions lists the code actions for a range. It never calls a provider.
	Actions(hasDiagnostics bool) []server.Action
	// RunAction runs one code action on a piece of code.
	RunAction(ctx context.Context, req server.ActionRequest, onDelta func(string)) (*server.ActionResult, error)
	// Profiles lists the saved profiles, the active one marked.
	Profiles() ([]server.ProfileInfo, error)
	// LoadProfile makes a profile active (and the default when persist is set).
	LoadProfile(ctx context.Context, name string, persist bool) (*server.Status, error)
	// SaveProfile stores a profile document (JSON) under name.
	SaveProfile(name string, data []byte) error
	// Status reports the active profile and the balancer's buckets.
	Status() server.Status
	// AuthStatus reports each provider's OAuth login (never a token).
	AuthStatus() []server.AuthStatus
	// Subscribe calls fn for every status change; fn must not block.
	Subscribe(fn func(server.StatusEvent)) (unsubscribe func())
}
