// Package oauthtest runs a fake OAuth 2.0 authorization server on 127.0.0.1
// that speaks both flows llxprt-ls uses: Qwen's device authorization grant
// (RFC 8628) and Google's installed-app authorization code flow, each with
// PKCE, plus refresh with rotating refresh tokens, userinfo and revocation.
//
// It checks what a real server checks: the client id, the redirect URI, and
// that S256(code_verifier) equals the code_challenge the flow began with. A
// refresh spends the refresh token (like Qwen's server), so two clients
// refreshing with the same one end with one of them refused: that is what
// the store's file lock prevents.
//
// Point a store at it with [Server.Env]; mint tokens for a test with
// [Server.Issue]; let a fake provider check a bearer with [Server.Valid].
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The poll outcomes a device-flow script can hold (RFC 8628 §3.5). An empty
// script approves at the first poll.
const (
	Pending  = "authorization_pending"
	SlowDown = "slow_down"
	Denied   = "access_denied"
	Expired  = "expired_token"
)

// Client ids the server accepts unless told otherwise.
const (
	QwenClientID   = "test-qwen-client"
	GoogleClientID = "test-google-client"
	GoogleSecret   = "test-google-secret"
)

// Server is the fake authorization server.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:PORT").
	URL string

	ln net.Listener
	hs *http.Server

	mu          sync.Mutex
	interval    int // device poll interval, seconds
	deviceTTL   int // device code lifetime, seconds
	tokenTTL    time.Duration
	resourceURL string
	email       string
	polls       []string // scripted device poll outcomes
	pollCount   int
	devices     map[string]string // device_code → code_challenge
	codes       map[string]grant  // authorization code → its request
	denyAuth    bool
	access      map[string]bool // access token → valid
	refresh     map[string]bool // refresh token → valid
	refreshes   int
	n           int
}

type grant struct{ challenge, redirect string }

// New starts a server on a free port of 127.0.0.1. Defaults: a 5 s poll
// interval, a 600 s device code, one-hour access tokens, no resource URL,
// account "user@example.com".
func New() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("oauthtest: listen: %v", err))
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), ln: ln,
		interval: 5, deviceTTL: 600, tokenTTL: time.Hour, email: "user@example.com",
		devices: map[string]string{}, codes: map[string]grant{}, access: map[string]bool{}, refresh: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/oauth2/device/code", s.deviceCode)
	mux.HandleFunc("POST /api/v1/oauth2/token", s.token)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /o/oauth2/v2/auth", s.authorize)
	mux.HandleFunc("GET /v1/userinfo", s.userinfo)
	mux.HandleFunc("POST /revoke", s.revoke)
	s.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s
}

// Close stops the server.
func (s *Server) Close() { _ = s.hs.Close() }

// Env returns an environment lookup that points both providers' endpoints
// and client ids at s, falling back to base (nil: nothing else set).
func (s *Server) Env(base func(string) string) func(string) string {
	vals := map[string]string{
		"LLXPRT_QWEN_OAUTH_BASE":            s.URL,
		"LLXPRT_QWEN_OAUTH_CLIENT_ID":       QwenClientID,
		"LLXPRT_GEMINI_OAUTH_BASE":          s.URL,
		"LLXPRT_GEMINI_OAUTH_CLIENT_ID":     GoogleClientID,
		"LLXPRT_GEMINI_OAUTH_CLIENT_SECRET": GoogleSecret,
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		if base != nil {
			return base(k)
		}
		return ""
	}
}

// SetDevice sets the poll interval and device code lifetime, in seconds.
func (s *Server) SetDevice(interval, expiresIn int) {
	s.mu.Lock()
	s.interval, s.deviceTTL = interval, expiresIn
	s.mu.Unlock()
}

// SetTokenTTL sets the lifetime of the access tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	s.tokenTTL = d
	s.mu.Unlock()
}

// SetResourceURL sets the resource_url sent with every token (Qwen's API
// host); "" sends none.
func (s *Server) SetResourceURL(u string) {
	s.mu.Lock()
	s.resourceURL = u
	s.mu.Unlock()
}

// Script queues device poll outcomes; once they run out, polls succeed.
func (s *Server) Script(outcomes ...string) {
	s.mu.Lock()
	s.polls = append(s.polls, outcomes...)
	s.mu.Unlock()
}

// DenyAuthorization makes the consent page redirect with access_denied.
func (s *Server) DenyAuthorization(deny bool) {
	s.mu.Lock()
	s.denyAuth = deny
	s.mu.Unlock()
}

// Issue mints a valid access and refresh token pair, as a login would.
func (s *Server) Issue() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mint()
}

// Valid reports whether access is a live access token of this server.
func (s *Server) Valid(access string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access[access]
}

// Revoke invalidates a refresh token (and nothing else).
func (s *Server) Revoke(refresh string) {
	s.mu.Lock()
	s.refresh[refresh] = false
	s.mu.Unlock()
}

// Refreshes counts successful refresh grants.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// Polls counts device-code token requests.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollCount
}

func (s *Server) mint() (string, string) {
	s.n++
	a := fmt.Sprintf("fake-access-%d-%s", s.n, random())
	r := fmt.Sprintf("fake-refresh-%d-%s", s.n, random())
	s.access[a], s.refresh[r] = true, true
	return a, r
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// s256 is the PKCE S256 transform (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) deviceCode(w http.ResponseWriter, r *http.Request) {
	if r.ParseForm() != nil || r.PostForm.Get("client_id") != QwenClientID {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	if r.PostForm.Get("code_challenge_method") != "S256" || r.PostForm.Get("code_challenge") == "" {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "PKCE S256 code_challenge required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dc := "device-" + random()
	s.devices[dc] = r.PostForm.Get("code_challenge")
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               dc,
		"user_code":                 "ABCD-1234",
		"verification_uri":          s.URL + "/device",
		"verification_uri_complete": s.URL + "/device?user_code=ABCD-1234",
		"expires_in":                s.deviceTTL,
		"interval":                  s.interval,
	})
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != GoogleClientID || q.Get("response_type") != "code" || redirect.Scheme == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "PKCE S256 code_challenge required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	deny := s.denyAuth
	code := "code-" + random()
	if !deny {
		s.codes[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	}
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if deny {
		back.Set("error", "access_denied")
	} else {
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.ParseForm() != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		s.deviceGrant(w, f)
	case "authorization_code":
		s.codeGrant(w, f)
	case "refresh_token":
		if !s.refresh[f.Get("refresh_token")] {
			oauthErr(w, http.StatusBadRequest, "invalid_grant", "refresh token expired or revoked")
			return
		}
		s.refresh[f.Get("refresh_token")] = false // rotation: one use each
		s.refreshes++
		s.issue(w, false)
	default:
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", f.Get("grant_type"))
	}
}

func (s *Server) deviceGrant(w http.ResponseWriter, f url.Values) {
	s.pollCount++
	challenge, ok := s.devices[f.Get("device_code")]
	if f.Get("client_id") != QwenClientID || !ok {
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
		return
	}
	if len(s.polls) > 0 {
		out := s.polls[0]
		s.polls = s.polls[1:]
		oauthErr(w, http.StatusBadRequest, out, "scripted")
		return
	}
	if s256(f.Get("code_verifier")) != challenge {
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	delete(s.devices, f.Get("device_code"))
	s.issue(w, false)
}

func (s *Server) codeGrant(w http.ResponseWriter, f url.Values) {
	if f.Get("client_id") != GoogleClientID || f.Get("client_secret") != GoogleSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	g, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code")) // one use, even when it fails
	switch {
	case !ok:
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "unknown code")
	case f.Get("redirect_uri") != g.redirect:
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
	case s256(f.Get("code_verifier")) != g.challenge:
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		s.issue(w, true)
	}
}

// issue answers with a fresh token pair; withID adds an OpenID id_token
// carrying the account's email.
func (s *Server) issue(w http.ResponseWriter, withID bool) {
	a, r := s.mint()
	body := map[string]any{
		"access_token":  a,
		"refresh_token": r,
		"token_type":    "Bearer",
		"expires_in":    int(s.tokenTTL / time.Second),
	}
	if s.resourceURL != "" {
		body["resource_url"] = s.resourceURL
	}
	if withID {
		claims, _ := json.Marshal(map[string]string{"email": s.email, "sub": "1"})
		body["id_token"] = "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	ok, email := s.access[tok], s.email
	s.mu.Unlock()
	if !ok {
		oauthErr(w, http.StatusUnauthorized, "invalid_token", "bad bearer")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"email": email})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if r.ParseForm() != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	s.mu.Lock()
	tok := r.PostForm.Get("token")
	if _, ok := s.refresh[tok]; ok {
		s.refresh[tok] = false
	}
	if _, ok := s.access[tok]; ok {
		s.access[tok] = false
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
