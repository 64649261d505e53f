package providers

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// Provider sends one request to one vendor and streams the reply.
//
// Stream yields events as they arrive and stops at the first error, which is
// always a [*Error]. Cancelling ctx aborts the HTTP request; a caller that
// stops ranging early releases the underlying stream. Implementations must be
// safe for concurrent use.
type Provider interface {
	// Name is the provider id, e.g. "anthropic", "openai", "gemini", "qwen".
	Name() string
	Stream(ctx context.Context, req *Request) iter.Seq2[Event, error]
}

// Role says who wrote a message.
type Role string

// The roles a conversation carries. The system prompt is not a message; it is
// [Request.System].
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// Request is one provider-neutral model call.
type Request struct {
	Model    string
	System   string
	Messages []Message
	Params   Params
}

// Clone returns a copy of r that can be changed without touching r (the
// balancer sets a bucket's model and params on its own copy per attempt).
func (r *Request) Clone() *Request {
	c := *r
	c.Messages = append([]Message(nil), r.Messages...)
	c.Params = r.Params.Clone()
	return &c
}

// EventKind says what an [Event] carries.
type EventKind uint8

// The kinds of streamed events.
const (
	// EventText carries a piece of the answer in Text.
	EventText EventKind = iota + 1
	// EventThinking carries a piece of the model's reasoning in Text.
	EventThinking
	// EventUsage carries token counts in Usage. It may come more than once;
	// the last one is the total.
	EventUsage
	// EventDone ends a successful stream; Text holds the vendor's stop reason.
	EventDone
)

func (k EventKind) String() string {
	switch k {
	case EventText:
		return "text"
	case EventThinking:
		return "thinking"
	case EventUsage:
		return "usage"
	case EventDone:
		return "done"
	}
	return "unknown"
}

// Event is one item of a streamed reply.
type Event struct {
	Kind  EventKind
	Text  string
	Usage *Usage
}

// IsContent reports whether the event is the first kind of output a user
// sees; the balancer's first-token deadline and failover boundary use it.
func (e Event) IsContent() bool { return e.Kind == EventText || e.Kind == EventThinking }

// Usage is the token count of one call. InputTokens counts every input
// token, cached ones included; CachedTokens is the share read from the
// vendor's prompt cache (adapters for vendors that count them apart, such as
// Anthropic, add them up).
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
	CachedTokens int `json:"cached_tokens,omitempty"`
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{u.InputTokens + o.InputTokens, u.OutputTokens + o.OutputTokens, u.CachedTokens + o.CachedTokens}
}

// Config says how to build one adapter. The profile layer fills it from a
// bucket; tests fill it with a providertest server's URL.
type Config struct {
	// Provider is the provider id: "anthropic", "openai", "gemini", "qwen",
	// "openai-compatible" (also accepted: "openrouter", "ollama", "lmstudio" …
	// see registry).
	Provider string
	// BaseURL points the adapter somewhere else than the vendor's default
	// endpoint; empty means the vendor default.
	BaseURL string
	// APIKey is the credential sent in the vendor's header. Empty is allowed
	// for OpenAI-compatible servers that want none.
	APIKey string
	// Token, when set, returns an OAuth bearer token per request (free tiers);
	// it wins over APIKey.
	Token func(ctx context.Context) (string, error)
	// API picks a wire API where a vendor has two: "responses" or "chat"
	// (OpenAI). Empty chooses by model.
	API string
	// Timeout bounds connecting and waiting for response headers (the
	// profile's socket-timeout). It never cuts a stream that is flowing; the
	// balancer's idle and request timeouts do that. 0 means none.
	Timeout time.Duration
	// HTTPClient replaces the default client (tests, benchmarks).
	HTTPClient *http.Client
	// Headers are extra HTTP headers sent on every request.
	Headers map[string]string
}
