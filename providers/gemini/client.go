package gemini

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
)

// DefaultBaseURL is the Gemini API endpoint used when Config.BaseURL is empty.
const DefaultBaseURL = "https://generativelanguage.googleapis.com/"

// DefaultAPIVersion is the API version used unless Config.BaseURL ends in
// one ("…/v1", "…/v1beta", "…/v1alpha").
const DefaultAPIVersion = "v1beta"

// noKey stands in for an API key when the client authenticates with an
// OAuth token or with nothing: the SDK refuses to build a Gemini API client
// without a key (and would read GOOGLE_API_KEY / GEMINI_API_KEY from the
// environment instead). The transport strips it before the request leaves.
const noKey = "llxprt-no-api-key"

// Client is the Gemini adapter. It is safe for concurrent use.
type Client struct {
	name  string
	genai *genai.Client
	http  *http.Client
}

var _ providers.Provider = (*Client)(nil)

// New builds a Gemini API client from cfg. It never reaches the network,
// never reads credentials or endpoints from the environment (the profile
// layer owns credential lookup) and never consults Google's Application
// Default Credentials.
func New(cfg providers.Config) (*Client, error) {
	base, version, err := splitBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	key := cfg.APIKey
	if key == "" || cfg.Token != nil {
		key = noKey
	}
	headers := http.Header{}
	for k, v := range cfg.Headers {
		headers.Set(k, v)
	}
	hc := httpClient(cfg)
	gc, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey:     key,
		Backend:    genai.BackendGeminiAPI,
		HTTPClient: hc,
		HTTPOptions: genai.HTTPOptions{
			BaseURL:    base,
			APIVersion: version,
			Headers:    headers,
			// RetryOptions stays nil: the SDK then sends each request once.
			// The balancer owns retries.
		},
	})
	if err != nil {
		// The SDK's message may print the whole config, key included.
		msg := err.Error()
		if cfg.APIKey != "" {
			msg = strings.ReplaceAll(msg, cfg.APIKey, "[redacted]")
		}
		return nil, fmt.Errorf("gemini: new client: %s", msg)
	}
	name := cfg.Provider
	if name == "" {
		name = "gemini"
	}
	return &Client{name: name, genai: gc, http: hc}, nil
}

// Name returns the provider id from the config, "gemini" by default.
func (c *Client) Name() string { return c.name }

// CloseIdleConnections closes the client's idle keep-alive connections (on
// shutdown, or when a profile switch drops this client).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// splitBaseURL returns the base URL and API version to give the SDK. A base
// URL that ends in an API version ("https://proxy/v1beta") is split so the
// SDK does not add a second one.
func splitBaseURL(raw string) (base, version string, err error) {
	if raw == "" {
		return DefaultBaseURL, DefaultAPIVersion, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", "", fmt.Errorf("gemini: base URL %q: want an absolute http(s) URL", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	version = DefaultAPIVersion
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		if last := p[i+1:]; isAPIVersion(last) {
			version, p = last, p[:i]
		}
	}
	u.Path = p + "/"
	return u.String(), version, nil
}

func isAPIVersion(s string) bool {
	rest, ok := strings.CutPrefix(s, "v")
	if !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
		return false
	}
	rest = strings.TrimLeft(rest, "0123456789")
	return rest == "" || rest == "alpha" || rest == "beta"
}

// httpClient returns cfg.HTTPClient, or a client with socket timeouts only,
// wrapped in the adapter's transport. The caller's client is copied, never
// changed.
func httpClient(cfg providers.Config) *http.Client {
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		if cfg.HTTPClient != nil {
			next = http.DefaultTransport
		} else {
			next = defaultTransport(cfg.Timeout)
		}
	}
	hc.Transport = &transport{
		next:     next,
		token:    cfg.Token,
		stripKey: cfg.APIKey == "" || cfg.Token != nil,
	}
	return &hc
}

// defaultTransport bounds connecting and waiting for headers by timeout (the
// profile's socket-timeout) but never a flowing body, and keeps enough idle
// connections for the balancer's concurrent requests.
func defaultTransport(timeout time.Duration) *http.Transport {
	tlsTimeout := timeout
	if tlsTimeout == 0 {
		tlsTimeout = 10 * time.Second
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   tlsTimeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
	}
}

// transport sets the credential the SDK cannot: an OAuth bearer token asked
// for per request (it wins over the API key, which is then not sent), and it
// records the response status and headers of each call so an HTTP error can
// be classified with its Retry-After (the SDK's APIError drops headers).
type transport struct {
	next     http.RoundTripper
	token    func(ctx context.Context) (string, error)
	stripKey bool
}

// tokenError is a failure of Config.Token: the request was never sent.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "oauth token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.stripKey || t.token != nil {
		req = req.Clone(ctx)
		if t.stripKey {
			req.Header.Del("x-goog-api-key")
		}
		if t.token != nil {
			tok, err := t.token(ctx)
			if err != nil {
				if req.Body != nil {
					_ = req.Body.Close()
				}
				return nil, &tokenError{err}
			}
			if tok == "" {
				if req.Body != nil {
					_ = req.Body.Close()
				}
				return nil, &tokenError{errors.New("empty token")}
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if m, ok := ctx.Value(metaKey{}).(*respMeta); ok && resp != nil {
		m.status, m.header = resp.StatusCode, resp.Header
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t *transport) CloseIdleConnections() {
	if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// respMeta is where the transport leaves one call's HTTP status and headers.
type respMeta struct {
	status int
	header http.Header
}

type metaKey struct{}
