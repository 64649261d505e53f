package openai

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/llxprt/llxprt-ls/providers"
)

// endpoint is one provider id this adapter serves and its default base URL.
type endpoint struct {
	id, baseURL string
}

// endpoints are the provider ids served, in the order [Providers] lists them.
// "openai-compatible" has no default: it needs a base URL.
var endpoints = []endpoint{
	{"openai", "https://api.openai.com/v1"},
	{"qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"},
	{"openrouter", "https://openrouter.ai/api/v1"},
	{"deepseek", "https://api.deepseek.com/v1"},
	{"xai", "https://api.x.ai/v1"},
	{"groq", "https://api.groq.com/openai/v1"},
	{"mistral", "https://api.mistral.ai/v1"},
	{"ollama", "http://127.0.0.1:11434/v1"},
	{"lmstudio", "http://127.0.0.1:1234/v1"},
	{"llamacpp", "http://127.0.0.1:8080/v1"},
	{"vllm", "http://127.0.0.1:8000/v1"},
	{"openai-compatible", ""},
}

// Providers returns the provider ids this adapter serves, for the registry
// and profile validation.
func Providers() []string {
	ids := make([]string, len(endpoints))
	for i, e := range endpoints {
		ids[i] = e.id
	}
	return ids
}

// DefaultBaseURL returns a provider's default base URL. ok is false for an
// id this adapter does not serve and for "openai-compatible", which has no
// default.
func DefaultBaseURL(provider string) (string, bool) {
	for _, e := range endpoints {
		if e.id == provider {
			return e.baseURL, e.baseURL != ""
		}
	}
	return "", false
}

func served(provider string) bool {
	for _, e := range endpoints {
		if e.id == provider {
			return true
		}
	}
	return false
}

// The wire APIs a [providers.Config] can force.
const (
	apiChat      = "chat"
	apiResponses = "responses"
)

// Client streams from one OpenAI-compatible endpoint. It is safe for
// concurrent use; it holds no per-request state.
type Client struct {
	provider string
	apiKey   string // only to scrub it from vendor messages
	token    func(ctx context.Context) (string, error)
	api      string
	hc       *http.Client
	chat     openai.ChatCompletionService
	resp     responses.ResponseService
	models   openai.ModelService
}

var _ providers.Provider = (*Client)(nil)

// New builds a client from cfg. cfg.Provider defaults to "openai"; an id
// not in [Providers] is accepted when cfg.BaseURL is set (any other
// OpenAI-compatible service). The SDK's own retries are off and nothing is
// read from the environment: no OPENAI_API_KEY, no OPENAI_BASE_URL; the
// profile layer owns credentials. With neither cfg.APIKey nor cfg.Token no
// Authorization header is sent at all, as local servers want.
func New(cfg providers.Config) (*Client, error) {
	id := cfg.Provider
	if id == "" {
		id = "openai"
	}
	base := cfg.BaseURL
	if base == "" {
		def, ok := DefaultBaseURL(id)
		switch {
		case ok:
			base = def
		case served(id):
			return nil, fmt.Errorf("openai: provider %q needs a base URL: set base-url (or baseURL) on the bucket, e.g. http://127.0.0.1:8000/v1", id)
		default:
			return nil, fmt.Errorf("openai: unknown provider %q: use one of %s, or set a base URL for any other OpenAI-compatible server", id, strings.Join(Providers(), ", "))
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: provider %q: base URL %q is not an http(s) URL", id, base)
	}
	switch cfg.API {
	case "", apiChat, apiResponses:
	default:
		return nil, fmt.Errorf("openai: provider %q: api %q is not one of \"chat\", \"responses\"", id, cfg.API)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient(cfg.Timeout)
	}
	// The services are built from explicit options only: openai.NewClient
	// would merge OPENAI_API_KEY, OPENAI_BASE_URL and friends from the
	// environment, which must not leak into a bucket that asked for no key.
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	return &Client{
		provider: id,
		apiKey:   cfg.APIKey,
		token:    cfg.Token,
		api:      cfg.API,
		hc:       hc,
		chat:     openai.NewChatCompletionService(opts...),
		resp:     responses.NewResponseService(opts...),
		models:   openai.NewModelService(opts...),
	}, nil
}

// newHTTPClient bounds connecting and waiting for headers by timeout but
// never the body, so a flowing stream is not cut; the balancer owns idle and
// whole-request deadlines. Many idle connections per host serve the
// balancer's concurrent requests to one vendor.
func newHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = timeout
	if timeout > 0 {
		t.TLSHandshakeTimeout = timeout
	}
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}

// CloseIdleConnections closes the HTTP client's idle keep-alive
// connections, for a client being dropped (a profile switch) and for tests.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// Name returns the provider id ("openai", "qwen", "ollama" …).
func (c *Client) Name() string { return c.provider }

// Stream sends req over Chat Completions or the Responses API (see the
// package doc for the choice) and yields the reply as it arrives.
func (c *Client) Stream(ctx context.Context, req *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		opts, err := c.auth(ctx)
		if err != nil {
			yield(providers.Event{}, err)
			return
		}
		if c.useResponses(req.Model) {
			c.streamResponses(ctx, req, opts, yield)
			return
		}
		c.streamChat(ctx, req, opts, yield)
	}
}

// useResponses reports whether a request goes to the Responses API: when the
// config says so, or for OpenAI models that exist only there. Other
// providers' models are never routed by name (Qwen's "qwen3-coder-pro" is a
// chat model).
func (c *Client) useResponses(model string) bool {
	switch c.api {
	case apiResponses:
		return true
	case apiChat:
		return false
	}
	return c.provider == "openai" && responsesOnly(model)
}

// auth returns the per-request credential option: the OAuth token when the
// config has a Token source (it wins over the API key).
func (c *Client) auth(ctx context.Context) ([]option.RequestOption, error) {
	if c.token == nil {
		return nil, nil
	}
	tok, err := c.token(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.toProviderErr(ctx, err, nil)
		}
		// A token source that already classified its failure (the OAuth
		// store: "expired or revoked: run `llxprt-ls auth login qwen`", or a
		// network fault refreshing) is passed on as it is.
		var pe *providers.Error
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, &providers.Error{Provider: c.provider, Kind: providers.KindAuth, Message: "getting the OAuth token failed", Err: fmt.Errorf("openai: token: %w", err)}
	}
	if tok == "" {
		return nil, &providers.Error{Provider: c.provider, Kind: providers.KindAuth, Message: "the OAuth token source returned an empty token"}
	}
	return []option.RequestOption{option.WithAPIKey(tok)}, nil
}

// Models lists the model ids the endpoint serves (GET /models).
func (c *Client) Models(ctx context.Context) ([]string, error) {
	opts, err := c.auth(ctx)
	if err != nil {
		return nil, err
	}
	var raw *http.Response
	opts = append(opts, option.WithResponseInto(&raw))
	page, err := c.models.List(ctx, opts...)
	if err != nil {
		return nil, c.toProviderErr(ctx, err, raw)
	}
	ids := make([]string, 0, len(page.Data))
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	return ids, nil
}
