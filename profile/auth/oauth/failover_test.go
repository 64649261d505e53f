package oauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth/oauthtest"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/gemini"
	"github.com/llxprt/llxprt-ls/providers/openai"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// TestRevokedTokenFailsOver builds a failover balancer whose first bucket is
// Qwen on an OAuth login whose refresh token was revoked: the bucket fails
// with the "run llxprt-ls auth login qwen" error, never reaches Qwen, and the
// second bucket serves.
func TestRevokedTokenFailsOver(t *testing.T) {
	fake := oauthtest.New()
	t.Cleanup(fake.Close)
	qwenAPI := providertest.NewOpenAI()
	t.Cleanup(qwenAPI.Close)
	backup := providertest.NewOpenAI()
	t.Cleanup(backup.Close)

	store := oauth.NewStore(t.TempDir(), oauth.Options{Env: fake.Env(nil)})
	access, refresh := fake.Issue()
	fake.Revoke(refresh)
	if err := store.Save(t.Context(), oauth.Qwen, &oauth.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute), ResourceURL: qwenAPI.URL}); err != nil {
		t.Fatal(err)
	}
	tf, ok := store.TokenFunc(oauth.Qwen)
	if !ok {
		t.Fatal("no token func")
	}
	base, ok := store.BaseURL(oauth.Qwen)
	if !ok || base != qwenAPI.URL+"/v1" {
		t.Fatalf("BaseURL = %q, %v", base, ok)
	}
	qwen, err := openai.New(providers.Config{Provider: "qwen", BaseURL: base, Token: tf})
	if err != nil {
		t.Fatal(err)
	}
	other, err := openai.New(providers.Config{Provider: "openai", BaseURL: backup.URL + "/v1", APIKey: "sk-backup-key-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	bal, err := balancer.New("failover", []balancer.Bucket{
		{Provider: qwen, Model: "qwen3-coder-pro"},
		{Provider: other, Model: "gpt-5.2"},
	}, balancer.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	var tr balancer.Trace
	var text strings.Builder
	for ev, err := range bal.StreamTrace(t.Context(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "Hello, are you working?"}}}, &tr) {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		text.WriteString(ev.Text)
	}
	if tr.Served != "openai/gpt-5.2" || text.Len() == 0 {
		t.Fatalf("served by %q with %q; trace %+v", tr.Served, text.String(), tr.Attempts)
	}
	first := tr.Attempts[0]
	if first.Bucket != "qwen/qwen3-coder-pro" || first.Outcome != "failed" || first.Kind != providers.KindAuth {
		t.Errorf("first attempt = %+v, want qwen failed with an auth error", first)
	}
	if !strings.Contains(first.Reason, "OAuth token expired or revoked: run `llxprt-ls auth login qwen`") {
		t.Errorf("reason %q does not say which login to run", first.Reason)
	}
	if strings.Contains(first.Reason, access) || strings.Contains(first.Reason, refresh) {
		t.Errorf("reason leaks a token: %q", first.Reason)
	}
	if n := len(qwenAPI.Requests()); n != 0 {
		t.Errorf("qwen's API got %d requests with a dead token", n)
	}
	_, err = store.Token(t.Context(), oauth.Qwen)
	if !errors.Is(err, oauth.ErrRevoked) {
		t.Errorf("store error = %v", err)
	}
}

// TestRevokedGeminiTokenIsAuthError checks the Gemini adapter passes the
// store's error on too: the bucket fails with the login hint, and Gemini's
// API is never called.
func TestRevokedGeminiTokenIsAuthError(t *testing.T) {
	fake := oauthtest.New()
	t.Cleanup(fake.Close)
	api := providertest.NewGemini()
	t.Cleanup(api.Close)
	store := oauth.NewStore(t.TempDir(), oauth.Options{Env: fake.Env(nil)})
	access, refresh := fake.Issue()
	fake.Revoke(refresh)
	if err := store.Save(t.Context(), oauth.Gemini, &oauth.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tf, _ := store.TokenFunc(oauth.Gemini)
	g, err := gemini.New(providers.Config{Provider: "gemini", BaseURL: api.URL, Token: tf})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range g.Stream(t.Context(), &providers.Request{Model: "gemini-3-flash-preview", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindAuth || !strings.Contains(err.Error(), "run `llxprt-ls auth login gemini`") {
			t.Errorf("err = %v, want the login hint as an auth error", err)
		}
		if err != nil && (strings.Contains(err.Error(), access) || strings.Contains(err.Error(), refresh)) {
			t.Errorf("error leaks a token: %v", err)
		}
		break
	}
	if n := len(api.Requests()); n != 0 {
		t.Errorf("gemini's API got %d requests", n)
	}
}
