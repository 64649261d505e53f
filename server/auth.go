package server

import (
	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
)

// AuthStatus is one provider's OAuth login state, as `llxprt-ls auth status`
// shows it: logged in or not, the account, the expiry, and the command to
// run when a login is missing or expired. It never holds a token.
type AuthStatus = oauth.Status

// AuthStatus reports the OAuth login of every provider that has one (Qwen,
// Gemini). Logging in stays a terminal step (`llxprt-ls auth login qwen`);
// a running server picks the login up by itself (see onLogin).
func (s *Service) AuthStatus() []AuthStatus { return s.oauth.StatusAll() }

// credentials is the credential lookup every build uses: keys, keyfiles,
// keyring, environment, then the OAuth store.
func (s *Service) credentials() *auth.Resolver {
	r := auth.NewResolver(s.opts.Env)
	r.OAuth = s.oauth
	return r
}
