package oauth

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// The providers that can log in with OAuth.
const (
	Qwen   = "qwen"
	Gemini = "gemini"
)

// Providers lists the providers with an OAuth login, in status order.
func Providers() []string { return []string{Gemini, Qwen} }

// Flow is how a provider logs in.
type Flow string

// The login flows.
const (
	// FlowDevice is the device authorization grant (RFC 8628) with PKCE:
	// the user types a code on a web page; Qwen.
	FlowDevice Flow = "device"
	// FlowLoopback is the installed-app authorization code flow with PKCE
	// and a redirect to 127.0.0.1, or a pasted code without a browser;
	// Gemini.
	FlowLoopback Flow = "loopback"
)

// Endpoint is one provider's OAuth client: where to log in, with which
// client id. None of it is secret: installed-app clients cannot keep one
// (RFC 8252 §8.5), which is why Google's "secret" is in gemini-cli's source.
type Endpoint struct {
	Provider      string
	Flow          Flow
	ClientID      string
	ClientSecret  string
	AuthURL       string // authorization endpoint (loopback flow)
	DeviceAuthURL string // device authorization endpoint (device flow)
	TokenURL      string
	UserInfoURL   string // optional: the account's email for status
	RevokeURL     string // optional: logout revokes the refresh token here
	// ManualRedirectURL is the redirect for a pasted code (no browser on
	// this machine): a page that shows the code to copy.
	ManualRedirectURL string
	Scopes            []string
	// DefaultBaseURL is the API base URL when the token names none.
	DefaultBaseURL string
}

// Default endpoints. Qwen's are qwen-code's public device-flow client
// (packages/core/src/qwen/qwenOAuth2.ts in QwenLM/qwen-code); Google's
// client id and secret are gemini-cli's public installed-app client
// (packages/core/src/code_assist/oauth2.ts in google-gemini/gemini-cli).
const (
	qwenBase       = "https://chat.qwen.ai"
	qwenClientID   = "f0304373b74a44d2b584a3fb70ca9e56"
	qwenDefaultAPI = "https://portal.qwen.ai/v1"

	googleClientID     = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
	googleClientSecret = "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"
	googleAuthURL      = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL     = "https://oauth2.googleapis.com/token"
	googleUserInfoURL  = "https://www.googleapis.com/oauth2/v2/userinfo"
	googleRevokeURL    = "https://oauth2.googleapis.com/revoke"
	googleManualURL    = "https://codeassist.google.com/authcode"
)

// The environment variables that override the defaults. A *_OAUTH_BASE
// variable moves every endpoint of that provider to one server, with the
// paths [oauthtest.Server] serves: Qwen keeps its own paths
// (/api/v1/oauth2/device/code, /api/v1/oauth2/token); Google's become
// /o/oauth2/v2/auth, /token, /v1/userinfo and /revoke.
const (
	EnvQwenBase           = "LLXPRT_QWEN_OAUTH_BASE"
	EnvQwenClientID       = "LLXPRT_QWEN_OAUTH_CLIENT_ID"
	EnvGeminiBase         = "LLXPRT_GEMINI_OAUTH_BASE"
	EnvGeminiClientID     = "LLXPRT_GEMINI_OAUTH_CLIENT_ID"
	EnvGeminiClientSecret = "LLXPRT_GEMINI_OAUTH_CLIENT_SECRET"
)

// Endpoints returns provider's OAuth client, defaults overridden by env (nil
// means os.Getenv).
func Endpoints(provider string, env func(string) string) (Endpoint, error) {
	if env == nil {
		env = os.Getenv
	}
	switch provider {
	case Qwen:
		base := strings.TrimRight(or(env(EnvQwenBase), qwenBase), "/")
		return Endpoint{
			Provider:       Qwen,
			Flow:           FlowDevice,
			ClientID:       or(env(EnvQwenClientID), qwenClientID),
			DeviceAuthURL:  base + "/api/v1/oauth2/device/code",
			TokenURL:       base + "/api/v1/oauth2/token",
			Scopes:         []string{"openid", "profile", "email", "model.completion"},
			DefaultBaseURL: qwenDefaultAPI,
		}, nil
	case Gemini:
		ep := Endpoint{
			Provider:          Gemini,
			Flow:              FlowLoopback,
			ClientID:          or(env(EnvGeminiClientID), googleClientID),
			ClientSecret:      or(env(EnvGeminiClientSecret), googleClientSecret),
			AuthURL:           googleAuthURL,
			TokenURL:          googleTokenURL,
			UserInfoURL:       googleUserInfoURL,
			RevokeURL:         googleRevokeURL,
			ManualRedirectURL: googleManualURL,
			// gemini-cli's scopes. cloud-platform is what lets the token
			// call Google APIs on the user's behalf; see the README for
			// the project set-up the Gemini API then needs.
			Scopes: []string{
				"https://www.googleapis.com/auth/cloud-platform",
				"https://www.googleapis.com/auth/userinfo.email",
				"https://www.googleapis.com/auth/userinfo.profile",
			},
		}
		if base := strings.TrimRight(env(EnvGeminiBase), "/"); base != "" {
			ep.AuthURL = base + "/o/oauth2/v2/auth"
			ep.TokenURL = base + "/token"
			ep.UserInfoURL = base + "/v1/userinfo"
			ep.RevokeURL = base + "/revoke"
			ep.ManualRedirectURL = base + "/authcode"
		}
		return ep, nil
	}
	return Endpoint{}, fmt.Errorf("oauth: provider %q has no OAuth login: use one of %s (other providers take an API key)", provider, strings.Join(Providers(), ", "))
}

// Supported reports whether provider has an OAuth login.
func Supported(provider string) bool { return slices.Contains(Providers(), provider) }

// config is ep as an x/oauth2 client. The client is public (PKCE, no real
// secret), so credentials go in the form body, not basic auth.
func (ep Endpoint) config(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     ep.ClientID,
		ClientSecret: ep.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:       ep.AuthURL,
			DeviceAuthURL: ep.DeviceAuthURL,
			TokenURL:      ep.TokenURL,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      ep.Scopes,
	}
}

func or(s, def string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return def
}
