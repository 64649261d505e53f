package profile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func resolver(env map[string]string, home string) *auth.Resolver {
	return &auth.Resolver{Env: envOf(env), Home: home}
}

func sources(b *Built) []string {
	var out []string
	for _, s := range b.Credentials {
		out = append(out, s.String())
	}
	return out
}

// The recipe's mixed profile: env var, inline key and OAuth in one profile.
func TestBuildMixedAuthRecipe(t *testing.T) {
	r := resolver(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-env-key-000000001"}, t.TempDir())
	r.OAuth = oauthFake{"gemini": "ya29.oauth-token"}
	built, err := Build(t.Context(), mustParse(t, "recipe/mixed-auth.json"), BuildOptions{Name: "mixed", Creds: r})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"env (ANTHROPIC_API_KEY)", "key (ephemeralSettings.lb.buckets[1].key)", "oauth (gemini)"}
	if diff := cmp.Diff(want, sources(built)); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	if built.Balancer.Policy() != "failover" || len(built.Balancer.Buckets()) != 3 {
		t.Errorf("policy %q, %d buckets", built.Balancer.Policy(), len(built.Balancer.Buckets()))
	}
	if len(built.Warnings) != 0 {
		t.Errorf("warnings: %q", built.Warnings)
	}
}

type oauthFake map[string]string

func (o oauthFake) TokenFunc(p string) (func(context.Context) (string, error), bool) {
	tok, ok := o[p]
	if !ok {
		return nil, false
	}
	return func(context.Context) (string, error) { return tok, nil }, true
}

// A request through the built balancer reaches the fake vendors with each
// bucket's own credential, and fails over from a rate-limited one.
func TestBuildServesThroughFakes(t *testing.T) {
	ant, oai := providertest.NewAnthropic(), providertest.NewOpenAI()
	t.Cleanup(ant.Close)
	t.Cleanup(oai.Close)
	ant.Push(providertest.Script{Status: 429, Headers: map[string]string{"retry-after": "30"}})
	home := t.TempDir()
	keyfile := filepath.Join(home, "openai.key")
	if err := os.WriteFile(keyfile, []byte("sk-openai-from-keyfile-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	prof := fmt.Sprintf(`{
  "version": 1, "provider": "lb", "model": "claude-sonnet-4-5",
  "ephemeralSettings": {"failover_retry_count": 1, "lb": {"type": "failover", "buckets": [
    {"provider": "anthropic", "model": "claude-sonnet-4-5", "base-url": %q},
    {"provider": "openai", "model": "gpt-5.2", "base-url": %q, "auth-keyfile": "~/openai.key", "modelParams": {"temperature": 0.2}}
  ]}}}`, ant.URL, oai.URL+"/v1")
	p, err := Parse([]byte(prof), "served.json")
	if err != nil {
		t.Fatal(err)
	}
	shared := NewHealthState(t.TempDir())
	built, err := Build(t.Context(), p, BuildOptions{Name: "served", Creds: resolver(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-env-key-000000002"}, home), SharedState: shared})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"env (ANTHROPIC_API_KEY)", "keyfile (~/openai.key)"}, sources(built)); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	var text strings.Builder
	for ev, err := range built.Balancer.Stream(t.Context(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == providers.EventText {
			text.WriteString(ev.Text)
		}
	}
	if text.String() != strings.Join(providertest.DefaultText, "") {
		t.Errorf("answer %q", text.String())
	}
	areqs, oreqs := ant.Requests(), oai.Requests()
	if len(areqs) != 1 || areqs[0].Header.Get("x-api-key") != "sk-ant-env-key-000000002" {
		t.Errorf("anthropic saw %d requests, key %q", len(areqs), firstHeader(areqs, "x-api-key"))
	}
	if len(oreqs) != 1 || oreqs[0].Header.Get("Authorization") != "Bearer sk-openai-from-keyfile-0001" {
		t.Errorf("openai saw %d requests, auth %q", len(oreqs), firstHeader(oreqs, "Authorization"))
	}
	// The 429 is now known to other windows.
	key := built.Balancer.Buckets()[0].Key
	if _, reason, ok := NewHealthState(filepath.Dir(filepath.Dir(shared.(*HealthState).path))).Cooldown(key); !ok {
		t.Errorf("cooldown for %q not shared (reason %q)", key, reason)
	}
}

func firstHeader(reqs []providertest.Recorded, h string) string {
	if len(reqs) == 0 {
		return ""
	}
	return reqs[0].Header.Get(h)
}

func TestBuildMissingCredential(t *testing.T) {
	oai := providertest.NewOpenAI()
	t.Cleanup(oai.Close)
	prof := fmt.Sprintf(`{"provider": "lb", "ephemeralSettings": {"lb": {"buckets": [
    {"provider": "anthropic", "model": "claude-sonnet-4-5"},
    {"provider": "openai", "model": "gpt-5.2", "base-url": %q}]}}}`, oai.URL+"/v1")
	p, err := Parse([]byte(prof), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	// One bucket without a credential: built, warned, and skipped at run time.
	built, err := Build(t.Context(), p, BuildOptions{Name: "p", Creds: resolver(map[string]string{"OPENAI_API_KEY": "sk-openai-env-00000001"}, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	if len(built.Warnings) != 1 || !strings.Contains(built.Warnings[0], "bucket 1 (anthropic/claude-sonnet-4-5)") || !strings.Contains(built.Warnings[0], "set ANTHROPIC_API_KEY") || !strings.Contains(built.Warnings[0], "auth-keyfile") {
		t.Errorf("warnings = %q", built.Warnings)
	}
	if built.Credentials[0].Kind != auth.KindMissing || built.Credentials[1].Kind != auth.KindEnv {
		t.Errorf("credentials = %v", built.Credentials)
	}
	for _, err := range built.Balancer.Stream(t.Context(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
		if err != nil {
			t.Fatalf("failover past the bucket without a key failed: %v", err)
		}
	}
	// No bucket with a credential: a build error listing each. (The
	// bucket on 127.0.0.1 above needs none, so use the vendors' own URLs.)
	p, err = Parse([]byte(`{"provider": "lb", "ephemeralSettings": {"lb": {"buckets": [
    {"provider": "anthropic", "model": "claude-sonnet-4-5"}, {"provider": "openai", "model": "gpt-5.2"}]}}}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(t.Context(), p, BuildOptions{Name: "p", Creds: resolver(nil, t.TempDir())})
	if err == nil || !strings.Contains(err.Error(), "no bucket has a credential") || !strings.Contains(err.Error(), "OPENAI_API_KEY") || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
		t.Errorf("err = %v", err)
	}
}

func TestBuildKeyfileRefused(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(home, ".keys", "anthropic.key")
	if err := os.WriteFile(kf, []byte("sk-ant-world-readable-0001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kf, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Build(t.Context(), mustParse(t, "standard.json"), BuildOptions{Name: "standard", Creds: resolver(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-env-not-used-01"}, home)})
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+kf) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "world-readable-0001") {
		t.Error("error leaks the key")
	}
}

func TestBuildLocalNeedsNoKey(t *testing.T) {
	built, err := Build(t.Context(), mustParse(t, "local-ollama.json"), BuildOptions{Name: "local", Creds: resolver(nil, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	if built.Credentials[0].Kind != auth.KindNone {
		t.Errorf("credential = %v", built.Credentials[0])
	}
}

func TestBuildLoadBalancerProfiles(t *testing.T) {
	s := copyStore(t)
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-1234567890", "OPENAI_API_KEY": "sk-oai-1234567890", "GEMINI_API_KEY": "AIza-1234567890", "DASHSCOPE_API_KEY": "sk-qwen-1234567890"}
	p, err := s.Load("team")
	if err != nil {
		t.Fatal(err)
	}
	built, err := Build(t.Context(), p, BuildOptions{Store: s, Name: "team", Creds: resolver(env, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range built.Balancer.Buckets() {
		got = append(got, b.Model+" ("+b.Note+")")
	}
	want := []string{"claude-sonnet-4-5 (profile claude)", "gpt-5.2 (profile gpt)", "gemini-3-flash-preview (profile ha-nested)", "qwen3-coder-pro (profile ha-nested)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buckets (-want +got):\n%s", diff)
	}
	if built.Balancer.Policy() != "failover" {
		t.Errorf("policy %q", built.Balancer.Policy())
	}
	if diff := cmp.Diff([]string{"claude", "gpt", "ha-nested"}, built.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	tests := []struct{ name, want string }{
		{"cycle-a", `cycle-b.json: profiles[0]: load-balancer cycle cycle-a → cycle-b → cycle-a: remove "cycle-a" from one of them`},
		{"dangling", `dangling.json: profiles[1]: no saved profile "no-such-profile"`},
	}
	for _, tt := range tests {
		p, err := s.Load(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Build(t.Context(), p, BuildOptions{Store: s, Name: tt.name, Creds: resolver(env, t.TempDir())})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v\nwant %s", tt.name, err, tt.want)
		}
	}
	if _, err := Build(t.Context(), p, BuildOptions{Name: "team", Creds: resolver(env, t.TempDir())}); err == nil {
		t.Error("loadbalancer profile built without a store")
	}
}

func TestBuildContextWarning(t *testing.T) {
	p := mustParse(t, "recipe/high-availability.json")
	if err := p.Set(1000000, "ephemeralSettings", "context-limit"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-1234567890", "OPENAI_API_KEY": "sk-oai-1234567890", "GEMINI_API_KEY": "AIza-1234567890"}
	built, err := Build(t.Context(), p, BuildOptions{Name: "high-availability", Creds: resolver(env, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"context-limit 1000000 exceeds the smallest bucket window (200000, anthropic/claude-sonnet-4-5): set context-limit to 200000"}
	if diff := cmp.Diff(want, built.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if w := built.Balancer.SmallestContextWindow(); w != 200000 {
		t.Errorf("smallest window %d", w)
	}
}
