// Package server is the one [Service] that both front ends (server/lsp and
// server/mcp) and the command line call: chat sessions with server-side
// history, code actions, the active profile and its balancer, status, and the
// balancer's events fanned out to whoever is listening.
//
// A request walks Service → balancer → provider adapter once; the answer
// streams back through the onDelta callback as it arrives. The active
// balancer is swapped atomically on a profile switch (requests in flight
// finish on the old one), and the profiles directory is watched so an edit
// on disk takes effect without a restart.
//
// BenchmarkChat (2 shared cores, a fake Anthropic server on loopback): about
// 1.3–1.8 ms and 90–250 KB per chat end to end, almost all of it the HTTP
// round trip and the SDK; keeping a session (lock, history, one appended and
// fsynced line) adds nothing measurable next to that.
package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
)

// Options configure a [Service].
type Options struct {
	// ConfigDir holds profiles/, settings.json and sessions/. Required
	// unless Store is set (then it defaults to the store's directory).
	ConfigDir string
	// Store is the profile store; nil opens one on ConfigDir.
	Store *profile.Store
	// Profile is the profile to load at start; "" means the store's default.
	Profile string
	// Inline is a --profile JSON one-liner; it wins over Profile.
	Inline *profile.Profile
	// InlineName is how status shows Inline; default "(inline)".
	InlineName string
	// Env looks up environment variables (credentials); nil means os.Getenv.
	Env func(string) string
	// HTTPClient is used by every adapter; nil means each adapter's default.
	HTTPClient *http.Client
	Logger     zerolog.Logger
	// MaxHistory is how many turns of a session are sent with a new prompt;
	// older ones are dropped first and ChatResult.Dropped says how many.
	// Default is 50.
	MaxHistory int
	// MaxPromptBytes bounds a prompt with its attachments. Default is
	// 4 MiB, more than the largest model window holds.
	MaxPromptBytes int
	// NoWatch turns off watching the profiles directory and the OAuth
	// logins (one-shot CLI runs).
	NoWatch bool
	// NoSessions keeps sessions in memory only (nothing under sessions/).
	NoSessions bool
}

// ErrNoProfile is returned by requests when no profile could be chosen.
var ErrNoProfile = errors.New(`server: no profile: run "llxprt-ls profile init" to write the recipe's profiles ` +
	`and set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY (or pass --profile-load NAME or --profile JSON); ` +
	`to try it without any key, run with --demo`)

// active is one loaded profile and the balancer built from it; it is
// replaced whole, never modified.
type active struct {
	name  string // "" for an inline profile
	label string // what status shows for an inline profile
	prof  *profile.Profile
	built *profile.Built
	err   error // why the profile could not be built (then built is nil)
}

// uses reports whether a was built from the saved profile member (a
// "type": "loadbalancer" profile's members, at any depth).
func (a *active) uses(member string) bool {
	return a.built != nil && slices.Contains(a.built.Members, member)
}

// display is the profile's name as status shows it.
func (a *active) display() string {
	if a.name != "" {
		return a.name
	}
	return a.label
}

// Service answers chat, code-action, profile and status requests. It is safe
// for concurrent use; create it with [New] and release it with Close.
type Service struct {
	opts     Options
	log      zerolog.Logger
	store    *profile.Store
	health   balancer.SharedState
	oauth    *oauth.Store // OAuth logins (free tiers), shared by every build
	sessions *sessions
	settings *settings

	cur atomic.Pointer[active]
	// loadMu serializes profile loads and rebuilds, so two switches cannot
	// finish in the wrong order.
	loadMu sync.Mutex

	// namedMu guards named: balancers for requests that name a profile other
	// than the active one, dropped when that profile changes on disk.
	namedMu sync.Mutex
	named   map[string]*active

	// warnMu guards warnings that do not belong to a build (a broken edit
	// on disk, a settings.json error).
	warnMu   sync.Mutex
	warnings map[string]string

	busy    atomic.Int32
	events  *fanout
	cancel  context.CancelFunc
	watchWG sync.WaitGroup
}

// New opens the store, loads the starting profile (Inline, else Profile,
// else the default) and starts watching the profiles directory. A profile
// that cannot be loaded does not stop the server: requests return the
// reason until a profile is loaded, and Status shows it as a warning.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.MaxHistory <= 0 {
		opts.MaxHistory = 50
	}
	if opts.MaxPromptBytes <= 0 {
		opts.MaxPromptBytes = 4 << 20
	}
	if opts.Env == nil {
		opts.Env = os.Getenv
	}
	if opts.ConfigDir == "" && opts.Store == nil {
		return nil, errors.New("server: no config directory")
	}
	if opts.Store == nil {
		opts.Store = profile.OpenStore(opts.ConfigDir)
	}
	if opts.ConfigDir == "" {
		opts.ConfigDir = opts.Store.Dir()
	}
	s := &Service{opts: opts, log: opts.Logger, store: opts.Store, named: map[string]*active{}, warnings: map[string]string{}, events: newFanout()}
	s.health = profile.NewHealthState(opts.ConfigDir)
	s.oauth = oauth.NewStore(opts.ConfigDir, oauth.Options{Env: opts.Env, HTTPClient: opts.HTTPClient, Logger: opts.Logger})
	sessDir := filepath.Join(opts.ConfigDir, "sessions")
	if opts.NoSessions {
		sessDir = ""
	}
	s.sessions = newSessions(sessDir, opts.MaxHistory)
	s.settings = &settings{path: filepath.Join(opts.ConfigDir, "settings.json")}

	s.cur.Store(s.loadStart(ctx))
	if a := s.cur.Load(); a.err != nil {
		s.log.Warn().Err(a.err).Str("profile", a.name).Msg("no usable profile at start")
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if !opts.NoWatch {
		s.watchWG.Go(func() {
			if err := s.store.Watch(wctx, s.onProfileChange); err != nil && wctx.Err() == nil {
				s.setWarning("watch", fmt.Sprintf("not watching profiles for changes: %v", err))
				s.log.Warn().Err(err).Msg("profile watch stopped")
			}
		})
		s.watchWG.Go(func() {
			if err := profile.WatchDir(wctx, s.oauth.Dir(), s.store.Debounce, oauthProvider, s.onLogin); err != nil && wctx.Err() == nil {
				s.setWarning("watch:oauth", fmt.Sprintf("not watching OAuth logins; load the profile again after `llxprt-ls auth login`: %v", err))
				s.log.Warn().Err(err).Msg("OAuth login watch stopped")
			}
		})
	}
	return s, nil
}

// loadStart picks and builds the starting profile.
func (s *Service) loadStart(ctx context.Context) *active {
	if s.opts.Inline != nil {
		a := s.build(ctx, "", s.opts.Inline)
		a.label = s.labelFor("")
		return a
	}
	name := s.opts.Profile
	if name == "" {
		def, err := s.store.Default()
		if err != nil {
			return &active{err: err}
		}
		name = def
	}
	if name == "" {
		return &active{err: ErrNoProfile}
	}
	return s.buildNamed(ctx, name)
}

// buildNamed loads a saved profile and builds its balancer.
func (s *Service) buildNamed(ctx context.Context, name string) *active {
	if err := profile.ValidName(name); err != nil {
		return &active{name: name, err: err}
	}
	p, err := s.store.Load(name)
	if err != nil {
		return &active{name: name, err: err}
	}
	return s.build(ctx, name, p)
}

func (s *Service) build(ctx context.Context, name string, p *profile.Profile) *active {
	built, err := profile.Build(ctx, p, profile.BuildOptions{
		Store:       s.store,
		Name:        name,
		Env:         s.opts.Env,
		Creds:       s.credentials(),
		HTTPClient:  s.opts.HTTPClient,
		SharedState: s.health,
		Observer:    func(ev balancer.Event) { s.observe(s.labelFor(name), ev) },
		Logger:      s.log,
	})
	if err != nil {
		return &active{name: name, prof: p, err: err}
	}
	return &active{name: name, prof: p, built: built}
}

// labelFor is how status names the profile name ("" for the inline one).
func (s *Service) labelFor(name string) string {
	if name != "" {
		return name
	}
	if s.opts.InlineName != "" {
		return s.opts.InlineName
	}
	return "(inline)"
}

// Close stops watching and waits for the watcher to finish. Requests in
// flight are the callers' to cancel.
func (s *Service) Close() error {
	s.cancel()
	s.watchWG.Wait()
	s.sessions.close()
	return nil
}

// balancerFor returns the balancer serving a request that names profile
// ("" for the active one).
func (s *Service) balancerFor(ctx context.Context, name string) (*active, error) {
	a := s.cur.Load()
	if name != "" && name != a.name {
		if err := profile.ValidName(name); err != nil {
			return nil, &InputError{Field: "profile", Msg: err.Error()}
		}
		s.namedMu.Lock()
		n, ok := s.named[name]
		s.namedMu.Unlock()
		if !ok {
			n = s.buildNamed(ctx, name)
			if n.err == nil {
				s.namedMu.Lock()
				s.named[name] = n
				s.namedMu.Unlock()
			}
		}
		a = n
		if errors.Is(n.err, profile.ErrNotFound) {
			return nil, &InputError{Field: "profile", Msg: n.err.Error()}
		}
	}
	if a.err != nil {
		return nil, a.err
	}
	return a, nil
}

// onProfileChange runs for every change of a profile on disk (from the
// watcher, and after SaveProfile). The active profile is rebuilt when it,
// or a member of it when it is a "type": "loadbalancer" profile, changed; a
// broken edit keeps the old balancer serving and says so. While no profile works,
// any change retries the default, so `profile init` in a terminal brings a
// running server to life.
func (s *Service) onProfileChange(name string) {
	s.namedMu.Lock()
	for n, a := range s.named {
		if n == name || a.uses(name) {
			delete(s.named, n)
		}
	}
	s.namedMu.Unlock()

	ctx := context.Background()
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	cur := s.cur.Load()
	switch {
	case cur.name != "" && cur.name == name:
	case cur.name != "" && cur.uses(name):
		// A member of the active "type": "loadbalancer" profile changed:
		// the active profile is what has to be rebuilt.
		name = cur.name
	case cur.built == nil && s.opts.Inline == nil:
		// Nothing usable yet: maybe `profile init` or a save just made one.
		def := s.opts.Profile
		if def == "" {
			def, _ = s.store.Default()
		}
		if def == "" {
			return
		}
		name = def
	default:
		return
	}
	next := s.buildNamed(ctx, name)
	if next.err != nil {
		if cur.built != nil {
			msg := fmt.Sprintf("profile %s changed on disk but cannot be used, still serving the previous version: %v", name, next.err)
			s.setWarning("profile:"+name, msg)
			s.log.Warn().Err(next.err).Str("profile", name).Msg("profile edit rejected; keeping the old balancer")
			s.emit(StatusEvent{Kind: "warning", Message: msg, Profile: name})
			return
		}
		s.cur.Store(next)
		s.emit(StatusEvent{Kind: "error", Message: next.err.Error(), Profile: name})
		return
	}
	s.setWarning("profile:"+name, "")
	s.cur.Store(next)
	s.log.Info().Str("profile", name).Msg("profile reloaded from disk")
	s.emit(StatusEvent{Kind: "normal", Message: "profile " + name + " reloaded", Profile: name})
}

// LoadProfile makes name the active profile: the new balancer serves every
// request that starts after this returns; requests in flight finish on the
// old one. persist also makes it the default profile.
func (s *Service) LoadProfile(ctx context.Context, name string, persist bool) (*Status, error) {
	if err := profile.ValidName(name); err != nil {
		return nil, err
	}
	s.loadMu.Lock()
	next := s.buildNamed(ctx, name)
	if next.err != nil {
		s.loadMu.Unlock()
		return nil, next.err
	}
	if persist {
		if err := s.store.SetDefault(name); err != nil {
			s.loadMu.Unlock()
			return nil, err
		}
	}
	prev := s.cur.Swap(next)
	s.setWarning("profile:"+name, "")
	if prev.name != "" {
		// "still serving the previous version" is no longer true of a
		// profile that is not serving at all.
		s.setWarning("profile:"+prev.name, "")
	}
	s.loadMu.Unlock()
	s.log.Info().Str("profile", name).Bool("persist", persist).Msg("profile loaded")
	s.emit(StatusEvent{Kind: "normal", Message: "profile " + name + " loaded", Profile: name})
	st := s.Status()
	return &st, nil
}
