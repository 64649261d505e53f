package oauth

import (
	"os"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/profile/auth"
)

// NewResolver is auth.NewResolver(env) with this package's token store of
// configDir as its OAuth source: what a server passes as
// profile.BuildOptions.Creds so buckets without a key use an OAuth login.
func NewResolver(configDir string, env func(string) string, log zerolog.Logger) *auth.Resolver {
	if env == nil {
		env = os.Getenv
	}
	r := auth.NewResolver(env)
	r.OAuth = NewStore(configDir, Options{Env: env, Logger: log})
	return r
}

// BaseURLOf returns the API base URL src's token for provider names
// (Qwen's resource_url), when src is a [Store]-like source that knows one.
// The profile build uses it for an OAuth bucket with no base-url of its own,
// so Qwen's requests go where the token is valid.
func BaseURLOf(src auth.OAuthSource, provider string) (string, bool) {
	b, ok := src.(interface {
		BaseURL(provider string) (string, bool)
	})
	if !ok || b == nil {
		return "", false
	}
	return b.BaseURL(provider)
}
