package server

import (
	"context"
	"strings"

	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
)

// oauthProvider maps a file of <config-dir>/oauth/ to the provider whose
// login it holds ("qwen.json" → "qwen"); temp files and locks are not
// logins.
func oauthProvider(file string) (string, bool) {
	p, ok := strings.CutSuffix(file, ".json")
	return p, ok && oauth.Supported(p)
}

// needsLogin reports whether a was built while provider had no credential:
// the whole build failed for want of one, or one of its buckets was built
// as unavailable. Such a bucket stays unavailable until rebuilt, whereas a
// bucket that has a login asks the token store per request, so a refresh or
// a logout needs no rebuild.
func (a *active) needsLogin(provider string) bool {
	if a.built == nil {
		return a.prof != nil
	}
	stats := a.built.Balancer.Stats()
	for i, src := range a.built.Credentials {
		if src.Kind == auth.KindMissing && i < len(stats) && stats[i].Provider == provider {
			return true
		}
	}
	return false
}

// onLogin runs when provider's token file in <config-dir>/oauth/ appears,
// changes or goes (`llxprt-ls auth login qwen` in a terminal while the
// server runs). A profile that was waiting for that login is rebuilt, so
// the login takes effect without a restart or a profile load.
func (s *Service) onLogin(provider string) {
	s.namedMu.Lock()
	for n, a := range s.named {
		if a.needsLogin(provider) {
			delete(s.named, n)
		}
	}
	s.namedMu.Unlock()

	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	cur := s.cur.Load()
	if !cur.needsLogin(provider) {
		return
	}
	ctx := context.Background()
	var next *active
	if cur.name != "" {
		next = s.buildNamed(ctx, cur.name)
	} else {
		next = s.build(ctx, "", cur.prof)
		next.label = cur.label
	}
	if next.err != nil && cur.built != nil {
		// The profile broke on disk since it was built: the profile
		// watcher reports that; keep serving.
		return
	}
	s.cur.Store(next)
	if next.err != nil {
		s.emit(StatusEvent{Kind: "error", Message: next.err.Error(), Profile: next.display()})
		return
	}
	s.log.Info().Str("profile", next.display()).Str("provider", provider).Msg("OAuth login picked up; profile rebuilt")
	s.emit(StatusEvent{Kind: "normal", Message: "profile " + next.display() + " reloaded: " + provider + " login picked up", Profile: next.display()})
}
