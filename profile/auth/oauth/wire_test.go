package oauth

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/profile/auth"
)

type plainSource struct{}

func (plainSource) TokenFunc(string) (func(context.Context) (string, error), bool) { return nil, false }

func TestNewResolverAndBaseURLOf(t *testing.T) {
	fake := newFake(t)
	dir := t.TempDir()
	env := fake.Env(func(k string) string { return map[string]string{"ANTHROPIC_API_KEY": "sk-ant-env-key-00000001"}[k] })
	r := NewResolver(dir, env, zerolog.Nop())
	a, rt := fake.Issue()
	if err := NewStore(dir, Options{Env: env}).Save(t.Context(), Qwen, &Token{AccessToken: a, RefreshToken: rt, Expiry: time.Now().Add(time.Hour), ResourceURL: "portal.qwen.ai"}); err != nil {
		t.Fatal(err)
	}
	c, err := r.Resolve(t.Context(), Qwen, auth.Spec{})
	if err != nil || c.Source.Kind != auth.KindOAuth {
		t.Fatalf("qwen: %v %v", c.Source, err)
	}
	if tok, err := c.Token(t.Context()); err != nil || tok != a {
		t.Errorf("token: %v (same %v)", err, tok == a)
	}
	if c, err := r.Resolve(t.Context(), "anthropic", auth.Spec{}); err != nil || c.Source.Kind != auth.KindEnv {
		t.Errorf("anthropic: %v %v", c.Source, err)
	}
	if u, ok := BaseURLOf(r.OAuth, Qwen); !ok || u != "https://portal.qwen.ai/v1" {
		t.Errorf("BaseURLOf(store) = %q %v", u, ok)
	}
	if _, ok := BaseURLOf(plainSource{}, Qwen); ok {
		t.Error("BaseURLOf ok for a source without BaseURL")
	}
	if _, ok := BaseURLOf(nil, Qwen); ok {
		t.Error("BaseURLOf ok for nil")
	}
}
