package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/providers"
)

// DefaultMargin is how long before expiry a token is refreshed: long enough
// that a request started with it does not reach the vendor expired.
const DefaultMargin = 60 * time.Second

// Options are the outside world a [Store] talks to; the zero value of each
// field is the real one.
type Options struct {
	// Env reads the endpoint overrides ([Endpoints]); nil means os.Getenv.
	Env func(string) string
	// HTTPClient talks to the authorization servers; nil means a client
	// with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
	// Margin is how long before expiry to refresh; 0 means DefaultMargin.
	Margin time.Duration
	// Logger gets a debug line per refresh (never a token); the zero
	// Logger discards.
	Logger zerolog.Logger
}

// Store keeps OAuth tokens in <config-dir>/oauth/PROVIDER.json and hands
// them out fresh. It implements auth.OAuthSource. Several Stores, in one
// process or many, may share a directory: refreshes are serialised by a
// file lock and each re-reads the file after taking it.
type Store struct {
	dir string
	opt Options
	hc  *http.Client

	// cacheMu guards cache: the last token read per provider and the file
	// state it was read at, so a request costs a stat, not a read.
	cacheMu sync.Mutex
	cache   map[string]cached
}

type cached struct {
	tok   *Token
	mtime time.Time
	size  int64
}

var _ auth.OAuthSource = (*Store)(nil)

// NewStore returns the token store of configDir.
func NewStore(configDir string, opt Options) *Store {
	if opt.Env == nil {
		opt.Env = os.Getenv
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Margin <= 0 {
		opt.Margin = DefaultMargin
	}
	hc := opt.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second, Transport: userAgent{http.DefaultTransport}}
	}
	return &Store{dir: filepath.Join(configDir, "oauth"), opt: opt, hc: hc, cache: map[string]cached{}}
}

// userAgent names the client to the authorization servers: chat.qwen.ai
// sits behind a web firewall that answers anonymous library user agents with
// an HTML challenge page instead of JSON.
type userAgent struct{ next http.RoundTripper }

func (u userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("User-Agent", "llxprt-ls (+https://github.com/llxprt/llxprt-ls)")
	}
	return u.next.RoundTrip(r)
}

// Dir is the directory holding the token files.
func (s *Store) Dir() string { return s.dir }

// Path is provider's token file.
func (s *Store) Path(provider string) string { return filepath.Join(s.dir, provider+".json") }

func (s *Store) endpoint(provider string) (Endpoint, error) { return Endpoints(provider, s.opt.Env) }

// ctx returns ctx carrying the store's HTTP client for x/oauth2.
func (s *Store) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.hc)
}

// Load returns provider's stored token; an error wrapping [ErrNotLoggedIn]
// when there is none.
func (s *Store) Load(provider string) (*Token, error) {
	path := s.Path(provider)
	st, err := os.Stat(path)
	if err == nil {
		s.cacheMu.Lock()
		c, ok := s.cache[provider]
		s.cacheMu.Unlock()
		if ok && c.mtime.Equal(st.ModTime()) && c.size == st.Size() {
			return c.tok, nil
		}
	}
	t, err := readToken(path, provider)
	if err != nil {
		return nil, err
	}
	if st != nil {
		s.cacheMu.Lock()
		s.cache[provider] = cached{tok: t, mtime: st.ModTime(), size: st.Size()}
		s.cacheMu.Unlock()
	}
	return t, nil
}

// Save stores provider's token (atomically, mode 0600) under the
// provider's lock, so a refresh of the previous login running in another
// window cannot write its token over this one.
func (s *Store) Save(ctx context.Context, provider string, t *Token) error {
	if !Supported(provider) {
		_, err := s.endpoint(provider)
		return err
	}
	return s.locked(ctx, provider, func() error { return s.save(provider, t) })
}

// save writes the token; the caller holds the provider's lock.
func (s *Store) save(provider string, t *Token) error {
	if err := writeToken(s.Path(provider), t); err != nil {
		return err
	}
	s.forget(provider)
	return nil
}

// locked runs fn holding provider's file lock, the one every process takes
// to refresh, save or delete that provider's token. flock(2) locks belong
// to an open file, so fn must not take the lock again.
func (s *Store) locked(ctx context.Context, provider string, fn func() error) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("oauth: create the token directory: %w", err)
	}
	lock := flock.New(filepath.Join(s.dir, provider+".lock"))
	ok, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if !ok {
		if err == nil {
			err = errors.New("lock not taken")
		}
		return fmt.Errorf("oauth: waiting for the %s token lock: %w", provider, err)
	}
	defer lock.Unlock()
	return fn()
}

func (s *Store) forget(provider string) {
	s.cacheMu.Lock()
	delete(s.cache, provider)
	s.cacheMu.Unlock()
}

// TokenFunc implements auth.OAuthSource: ok when provider has an OAuth login
// and a stored token. The function returns a fresh access token per call.
func (s *Store) TokenFunc(provider string) (func(ctx context.Context) (string, error), bool) {
	if !Supported(provider) {
		return nil, false
	}
	if _, err := os.Stat(s.Path(provider)); err != nil {
		return nil, false
	}
	return func(ctx context.Context) (string, error) { return s.Token(ctx, provider) }, true
}

// BaseURL returns the API base URL provider's token is for: Qwen's
// resource_url as a URL ("portal.qwen.ai" → "https://portal.qwen.ai/v1"),
// else the endpoint's default. ok is false when there is no token or no
// such URL (Gemini: the adapter's default is right). A bucket with an
// explicit base-url keeps it.
func (s *Store) BaseURL(provider string) (string, bool) {
	t, err := s.Load(provider)
	if err != nil {
		return "", false
	}
	if t.ResourceURL != "" {
		return resourceURL(t.ResourceURL), true
	}
	ep, err := s.endpoint(provider)
	if err != nil || ep.DefaultBaseURL == "" {
		return "", false
	}
	return ep.DefaultBaseURL, true
}

// resourceURL turns Qwen's resource_url (a host, sometimes a URL) into an
// OpenAI-compatible base URL ending in /v1, as qwen-code does.
func resourceURL(r string) string {
	r = strings.TrimRight(strings.TrimSpace(r), "/")
	if !strings.HasPrefix(r, "http://") && !strings.HasPrefix(r, "https://") {
		r = "https://" + r
	}
	if !strings.HasSuffix(r, "/v1") {
		r += "/v1"
	}
	return r
}

// Token returns provider's access token, refreshing it first when it
// expires within the margin. Errors are *providers.Error: KindAuth when the
// user must log in again, KindNetwork or KindServer when the authorization
// server could not be reached, so the balancer fails over either way.
func (s *Store) Token(ctx context.Context, provider string) (string, error) {
	t, err := s.Load(provider)
	if err != nil {
		return "", s.loadError(provider, err)
	}
	if t.fresh(s.opt.Now(), s.opt.Margin) {
		return t.AccessToken, nil
	}
	t, err = s.refresh(ctx, provider)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// loginError is the error that sends the user to `auth login` when the
// token can no longer be refreshed.
func (s *Store) loginError(provider string, cause error) *providers.Error {
	return loginNeeded(provider, "OAuth token expired or revoked", cause)
}

// loadError is the error that sends the user to `auth login` when the
// token file could not be read: never written, or damaged.
func (s *Store) loadError(provider string, cause error) *providers.Error {
	if errors.Is(cause, ErrNotLoggedIn) {
		return loginNeeded(provider, "no OAuth login", cause)
	}
	return loginNeeded(provider, "the saved OAuth token cannot be read", cause)
}

func loginNeeded(provider, what string, cause error) *providers.Error {
	return &providers.Error{
		Provider: provider,
		Kind:     providers.KindAuth,
		Message:  fmt.Sprintf("%s: run `llxprt-ls auth login %s`", what, provider),
		Err:      cause,
	}
}

// ErrRevoked is the cause when the authorization server refuses the refresh
// token (expired, revoked, or already spent by another client).
var ErrRevoked = errors.New("oauth: refresh token refused")

// refresh renews provider's token under the provider's file lock. After
// taking the lock it reads the file again: another process may have
// refreshed while this one waited, and refreshing again would spend a
// rotated refresh token that is no longer valid.
func (s *Store) refresh(ctx context.Context, provider string) (*Token, error) {
	ep, err := s.endpoint(provider)
	if err != nil {
		return nil, &providers.Error{Provider: provider, Kind: providers.KindAuth, Message: err.Error(), Err: err}
	}
	var tok *Token
	var perr *providers.Error
	err = s.locked(ctx, provider, func() error {
		tok, perr = s.refreshLocked(ctx, ep, provider)
		return nil
	})
	if err != nil {
		return nil, providers.TransportError(provider, err)
	}
	if perr != nil {
		return nil, perr
	}
	return tok, nil
}

// refreshLocked is refresh's work under the provider's lock.
func (s *Store) refreshLocked(ctx context.Context, ep Endpoint, provider string) (*Token, *providers.Error) {
	s.forget(provider)
	old, err := s.Load(provider)
	if err != nil {
		return nil, s.loadError(provider, err)
	}
	now := s.opt.Now()
	if old.fresh(now, s.opt.Margin) {
		return old, nil
	}
	if old.RefreshToken == "" {
		return nil, s.loginError(provider, errors.New("oauth: no refresh token"))
	}
	ts := ep.config("").TokenSource(s.ctx(ctx), &oauth2.Token{RefreshToken: old.RefreshToken})
	ot, err := ts.Token()
	if err != nil {
		return nil, s.refreshError(ctx, provider, err, old)
	}
	nt := fromOAuth2(ot, old, now)
	if err := s.save(provider, nt); err != nil {
		// The new token works for this call; the next one will refresh
		// again (and may find the old refresh token spent).
		s.opt.Logger.Warn().Str("provider", provider).Err(err).Msg("oauth: saving the refreshed token failed")
		return nt, nil
	}
	s.opt.Logger.Debug().Str("provider", provider).Time("expiry", nt.Expiry).Msg("oauth: token refreshed")
	return nt, nil
}

// refreshError classifies a failed refresh. The server's body is never
// quoted: only its OAuth error code, which holds no secret.
func (s *Store) refreshError(ctx context.Context, provider string, err error, old *Token) *providers.Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		code := safeCode(re.ErrorCode)
		// Any 4xx but 429 means the refresh token will not work again:
		// qwen-code likewise treats every 400 from its refresh as "log in
		// again". A bad-request kind would stop the balancer's failover.
		if code == "invalid_grant" || code == "invalid_token" || code == "unauthorized_client" ||
			(status >= 400 && status < 500 && status != http.StatusTooManyRequests) {
			return s.loginError(provider, fmt.Errorf("%w (%s, HTTP %d)", ErrRevoked, or(code, "no error code"), status))
		}
		pe := providers.StatusError(provider, status, nil, "refreshing the OAuth token failed: "+or(code, "no error code"), s.opt.Now())
		pe.Err = fmt.Errorf("oauth: refresh: %s", or(code, http.StatusText(status)))
		return pe
	}
	red := auth.NewRedactor(old.AccessToken, old.RefreshToken)
	pe := providers.TransportError(provider, err)
	if ctx.Err() == nil {
		pe.Message = "refreshing the OAuth token failed: " + providers.Shorten(red.Redact(err.Error()), 200)
	}
	return pe
}

// safeCode returns an OAuth error code fit to quote: RFC 6749 codes are
// short snake_case words; anything else (a server echoing its input) is
// dropped.
func safeCode(code string) string {
	if len(code) > 40 {
		return ""
	}
	for _, c := range code {
		if (c < 'a' || c > 'z') && c != '_' {
			return ""
		}
	}
	return code
}
