// Package oauth logs in to the free tiers of Gemini and Qwen and hands their
// bearer tokens to the adapters.
//
// [Store] keeps one token per provider in <config-dir>/oauth/PROVIDER.json
// (mode 0600, written atomically) and implements auth.OAuthSource:
// [Store.TokenFunc] returns a function the adapters call per request, which
// refreshes the token shortly before it expires under a cross-process file
// lock, so two editor windows never both spend a rotating refresh token. A
// refresh token the server refuses becomes a *providers.Error of KindAuth
// saying which `llxprt-ls auth login` to run, so the balancer moves on.
//
// Logging in is a terminal step: [Store.LoginDevice] runs Qwen's device
// authorization grant (RFC 8628 with PKCE), [Store.LoginLoopback] and
// [Store.LoginManual] run Google's installed-app flow for Gemini. [Run] is the
// whole `llxprt-ls auth` command; [Store.StatusAll] is what editors and MCP
// clients show. Endpoints and client ids come from [Endpoints], whose
// defaults are the public values of qwen-code and gemini-cli and which
// environment variables override (tests point them at [oauthtest.Server]).
//
// No token ever appears in an error, a log line or a status: [Token] prints
// masked, and server error bodies are reduced to their OAuth error code.
package oauth
