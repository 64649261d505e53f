package oauth_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth/oauthtest"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// costOptimized is the recipe's cost-optimized profile with each bucket's
// base-url pointed at a fake vendor server.
const costOptimized = `{
  "version": 1,
  "provider": "lb",
  "model": "gemini-3-flash-preview",
  "ephemeralSettings": {
    "context-limit": 200000,
    "lb": {
      "type": "failover",
      "buckets": [
        {"provider": "gemini", "model": "gemini-3-flash-preview", "base-url": %q,
         "modelParams": {"temperature": 0.7, "max_tokens": 8192}, "note": "Free tier - try first"},
        {"provider": "qwen", "model": "qwen3-coder-pro", "base-url": %q,
         "modelParams": {"temperature": 0.7, "max_tokens": 4096}, "note": "Free tier backup"},
        {"provider": "anthropic", "model": "claude-haiku-4-5", "base-url": %q,
         "modelParams": {"temperature": 0.7, "max_tokens": 4096}, "note": "Cheap paid fallback"},
        {"provider": "anthropic", "model": "claude-sonnet-4-5", "base-url": %q,
         "modelParams": {"temperature": 0.7, "max_tokens": 8192}, "note": "Premium last resort"}
      ]
    }
  }
}`

// vendor is a fake vendor that accepts only the right credential and can
// be switched to answer 503.
type vendor struct {
	*providertest.Server
	down atomic.Bool
}

func newVendor(t *testing.T, s *providertest.Server, ok func(h http.Header) bool) *vendor {
	v := &vendor{Server: s}
	t.Cleanup(s.Close)
	s.SetResponder(func(r providertest.Recorded) providertest.Script {
		switch {
		case !ok(r.Header):
			return providertest.Script{Status: http.StatusUnauthorized, Message: "fake: bad credential"}
		case v.down.Load():
			return providertest.Script{Status: http.StatusServiceUnavailable}
		}
		return providertest.Script{}
	})
	return v
}

func TestCostOptimizedProfileOnOAuth(t *testing.T) {
	fake := oauthtest.New()
	t.Cleanup(fake.Close)
	store := oauth.NewStore(t.TempDir(), oauth.Options{Env: fake.Env(nil)})
	gAccess, gRefresh := fake.Issue()
	qAccess, qRefresh := fake.Issue()
	const anthropicKey = "sk-ant-api03-SENTINEL-anthropic-key-0001"
	if err := store.Save(t.Context(), oauth.Gemini, &oauth.Token{AccessToken: gAccess, RefreshToken: gRefresh, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Qwen's token is inside the refresh margin: the first request to Qwen
	// refreshes it, and Qwen must see the new token.
	if err := store.Save(t.Context(), oauth.Qwen, &oauth.Token{AccessToken: qAccess, RefreshToken: qRefresh, Expiry: time.Now().Add(30 * time.Second), ResourceURL: "portal.qwen.ai"}); err != nil {
		t.Fatal(err)
	}
	bearer := func(h http.Header) string { tok, _ := strings.CutPrefix(h.Get("Authorization"), "Bearer "); return tok }
	gem := newVendor(t, providertest.NewGemini(), func(h http.Header) bool {
		return bearer(h) == gAccess && h.Get("x-goog-api-key") == ""
	})
	qwen := newVendor(t, providertest.NewOpenAI(), func(h http.Header) bool {
		return bearer(h) != qAccess && fake.Valid(bearer(h))
	})
	ant := newVendor(t, providertest.NewAnthropic(), func(h http.Header) bool { return h.Get("x-api-key") == anthropicKey })

	p, err := profile.Parse(fmt.Appendf(nil, costOptimized, gem.URL, qwen.URL+"/v1", ant.URL, ant.URL), "cost-optimized.json")
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "ANTHROPIC_API_KEY" {
			return anthropicKey
		}
		return ""
	}
	built, err := profile.Build(t.Context(), p, profile.BuildOptions{
		Name:  "cost-optimized",
		Env:   env,
		Creds: &auth.Resolver{Env: env, OAuth: store},
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, src := range built.Credentials {
		kinds = append(kinds, src.String())
	}
	if got := strings.Join(kinds, ", "); got != "oauth (gemini), oauth (qwen), env (ANTHROPIC_API_KEY), env (ANTHROPIC_API_KEY)" {
		t.Errorf("credentials = %s", got)
	}

	steps := []struct {
		name   string
		down   []*vendor
		served string
	}{
		{"gemini free tier first", nil, "gemini/gemini-3-flash-preview"},
		{"qwen when gemini is down", []*vendor{gem}, "qwen/qwen3-coder-pro"},
		{"anthropic when both free tiers are down", []*vendor{gem, qwen}, "anthropic/claude-haiku-4-5"},
	}
	for _, st := range steps {
		for _, v := range []*vendor{gem, qwen, ant} {
			v.down.Store(false)
		}
		for _, v := range st.down {
			v.down.Store(true)
		}
		var tr balancer.Trace
		for _, err := range built.Balancer.StreamTrace(t.Context(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "Hello, are you working?"}}}, &tr) {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		if tr.Served != st.served {
			t.Errorf("%s: served by %q; attempts %+v", st.name, tr.Served, tr.Attempts)
		}
		for _, a := range tr.Attempts {
			if a.Kind == providers.KindAuth {
				t.Errorf("%s: a vendor refused the credential: %+v", st.name, a)
			}
		}
	}
	for name, v := range map[string]*vendor{"gemini": gem, "qwen": qwen, "anthropic": ant} {
		if len(v.Requests()) == 0 {
			t.Errorf("%s got no request", name)
		}
	}
	for _, r := range qwen.Requests() {
		if !fake.Valid(bearer(r.Header)) || bearer(r.Header) == qAccess {
			t.Errorf("qwen saw a stale or unknown bearer")
		}
	}
	if fake.Refreshes() != 1 {
		t.Errorf("refreshes = %d, want 1 (qwen's token, once)", fake.Refreshes())
	}
}
