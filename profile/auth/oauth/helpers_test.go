package oauth

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/llxprt/llxprt-ls/profile/auth/oauth/oauthtest"
)

// newFake starts a fake authorization server for one test.
func newFake(t *testing.T) *oauthtest.Server {
	t.Helper()
	s := oauthtest.New()
	t.Cleanup(s.Close)
	return s
}

// newStore returns a store on a fresh config dir pointed at fake. The
// client keeps no idle connections, so a synctest bubble is never held
// awake by a keep-alive read.
func newStore(t *testing.T, fake *oauthtest.Server, opt Options) *Store {
	t.Helper()
	opt.Env = fake.Env(nil)
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	return NewStore(t.TempDir(), opt)
}

// noSecrets fails when any of secrets appears in text.
func noSecrets(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks a token: %q", what, text)
		}
	}
}

func s256Option(verifier string) oauth2.AuthCodeOption { return oauth2.S256ChallengeOption(verifier) }
