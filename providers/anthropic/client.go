package anthropic

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/llxprt/llxprt-ls/providers"
)

// ID is the provider id [Client.Name] reports when the config names none.
const ID = "anthropic"

// DefaultMaxTokens is the max_tokens sent when a request sets none: the
// Messages API requires the field.
const DefaultMaxTokens = 8192

// Client is an Anthropic Messages API adapter. It is safe for concurrent
// use; one Client serves every request of a bucket.
type Client struct {
	name  string
	sdk   sdk.Client
	token func(ctx context.Context) (string, error)
	http  *http.Client
}

var _ providers.Provider = (*Client)(nil)

// New builds a Client from cfg. The SDK's own retries are off (the balancer
// owns retries) and the SDK reads nothing from the environment
// (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, profiles): the profile layer is the
// only source of credentials, so a stray variable never changes which
// account pays.
//
// cfg.Token, when set, is called once per request and its token sent as
// "Authorization: Bearer"; no x-api-key is sent then. Otherwise cfg.APIKey
// goes in x-api-key (nothing is sent when it is empty).
func New(cfg providers.Config) (*Client, error) {
	c := &Client{name: cfg.Provider, token: cfg.Token, http: cfg.HTTPClient}
	if c.name == "" {
		c.name = ID
	}
	if c.http == nil {
		c.http = newHTTPClient(cfg.Timeout)
	}
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithMaxRetries(0),
		option.WithHTTPClient(c.http),
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("anthropic: base URL %q: want an absolute http(s) URL such as https://api.anthropic.com", cfg.BaseURL)
		}
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.Token == nil && cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
	}
	c.sdk = sdk.NewClient(opts...)
	return c, nil
}

// Name returns the provider id (the config's, or "anthropic").
func (c *Client) Name() string { return c.name }

// CloseIdleConnections closes the idle keep-alive connections of the
// client's HTTP transport (a profile switch that drops this bucket, tests).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// newHTTPClient builds the transport for a bucket: timeout bounds dialing,
// the TLS handshake and the wait for response headers (the profile's
// socket-timeout) but never a flowing stream, and many idle connections
// per host stay open because the balancer sends many requests at once.
func newHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	t.DialContext = dialer.DialContext
	t.ResponseHeaderTimeout = timeout
	if timeout > 0 {
		t.TLSHandshakeTimeout = timeout
	}
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}

// Models lists the model ids the endpoint serves (GET /v1/models, every
// page), for a status view or a profile editor; errors are classified like
// Stream's.
func (c *Client) Models(ctx context.Context) ([]string, error) {
	opts, err := c.auth(ctx)
	if err != nil {
		return nil, c.toProviderErr(ctx, err)
	}
	pager := c.sdk.Models.ListAutoPaging(ctx, sdk.ModelListParams{Limit: sdk.Int(1000)}, opts...)
	var ids []string
	for pager.Next() {
		ids = append(ids, pager.Current().ID)
	}
	if err := pager.Err(); err != nil {
		return nil, c.toProviderErr(ctx, err)
	}
	return ids, nil
}

// auth returns the per-request credential option: the OAuth bearer token
// when Config.Token is set (the API key was left out of the client then).
func (c *Client) auth(ctx context.Context) ([]option.RequestOption, error) {
	if c.token == nil {
		return nil, nil
	}
	tok, err := c.token(ctx)
	if err != nil {
		return nil, &tokenError{err}
	}
	return []option.RequestOption{option.WithAuthToken(tok)}, nil
}
