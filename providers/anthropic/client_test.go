package anthropic

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestModels(t *testing.T) {
	s := newFake(t)
	c := newClient(t, providers.Config{BaseURL: s.URL, APIKey: "k"})
	ids, err := c.Models(t.Context())
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	if diff := cmp.Diff([]string{"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"}, ids); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	if got := s.Requests()[0]; got.Path != "/v1/models" || got.Header.Get("X-Api-Key") != "k" {
		t.Errorf("request %s with x-api-key %q", got.Path, got.Header.Get("X-Api-Key"))
	}

	s.Push(providertest.Script{Status: 401})
	_, err = c.Models(t.Context())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Errorf("Models on 401: %v, want an auth error", err)
	}
}
