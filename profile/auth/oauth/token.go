package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/llxprt/llxprt-ls/internal/atomicfile"
	"github.com/llxprt/llxprt-ls/profile/auth"
)

// Token is what the store keeps for one provider. It prints masked, so a
// Token logged or wrapped into an error by mistake leaks nothing.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// ResourceURL is the API endpoint the token is for (Qwen's
	// "resource_url", e.g. "portal.qwen.ai"); empty for Gemini.
	ResourceURL string `json:"resource_url,omitempty"`
	// Account is the signed-in user's email when the server told us.
	Account string `json:"account,omitempty"`
	// Obtained is when the token was issued or last refreshed.
	Obtained time.Time `json:"obtained,omitzero"`
}

// String shows no secret.
func (t *Token) String() string {
	if t == nil {
		return "oauth token <nil>"
	}
	return fmt.Sprintf("oauth token %s (refresh %s, expires %s)", auth.Mask(t.AccessToken), auth.Mask(t.RefreshToken), t.Expiry.Format(time.RFC3339))
}

// GoString is String, for %#v.
func (t *Token) GoString() string { return t.String() }

// fresh reports whether t can be used until now+margin.
func (t *Token) fresh(now time.Time, margin time.Duration) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || now.Add(margin).Before(t.Expiry)
}

// fromOAuth2 turns a token response into a Token, keeping what old knew
// that the response does not repeat (a refresh response often omits the
// refresh token, the resource URL and the account).
func fromOAuth2(ot *oauth2.Token, old *Token, now time.Time) *Token {
	t := &Token{AccessToken: ot.AccessToken, RefreshToken: ot.RefreshToken, TokenType: ot.TokenType, Expiry: ot.Expiry, Obtained: now}
	if rs, ok := ot.Extra("resource_url").(string); ok {
		t.ResourceURL = rs
	}
	if id, ok := ot.Extra("id_token").(string); ok {
		t.Account = emailClaim(id)
	}
	if old != nil {
		if t.RefreshToken == "" {
			t.RefreshToken = old.RefreshToken
		}
		if t.ResourceURL == "" {
			t.ResourceURL = old.ResourceURL
		}
		if t.Account == "" {
			t.Account = old.Account
		}
	}
	return t
}

// emailClaim reads the email claim of an OpenID id_token without checking
// its signature: it came straight from the token endpoint over TLS and is
// only shown in status, never trusted for anything.
func emailClaim(idToken string) string {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Email
}

// ErrNotLoggedIn is the cause when a provider has no stored token.
var ErrNotLoggedIn = errors.New("not logged in")

// readToken reads a token file. A missing file is ErrNotLoggedIn; a broken
// one says how to fix it, never what it holds.
func readToken(path, provider string) (*Token, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("oauth: %s: %w: run `llxprt-ls auth login %s`", provider, ErrNotLoggedIn, provider)
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: %s: reading %s: %w", provider, path, err)
	}
	var t Token
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("oauth: %s: %s is not a token file: delete it and run `llxprt-ls auth login %s`", provider, path, provider)
	}
	return &t, nil
}

// writeToken writes t to path atomically (temp file in the same directory,
// fsync, rename, fsync the directory) with mode 0600, so a reader in another
// process sees the old token or the new one, never half of either.
func writeToken(path string, t *Token) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("oauth: encoding token: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n'), 0o600, true); err != nil {
		return fmt.Errorf("oauth: writing %s: %w", path, err)
	}
	return nil
}
