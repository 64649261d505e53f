package e2e

import (
	"testing"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestSmokeBothFrontEnds(t *testing.T) {
	fake := providertest.NewOpenAI()
	defer fake.Close()
	cfg, err := ConfigDir(t.TempDir(), map[string]any{"one": Profile("failover", nil, OpenAIBucket(fake.URL))}, "one")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"lsp", "mcp"} {
		p := start(t, mode, cfg)
		var r ChatResult
		if mode == "lsp" {
			r, err = p.ChatLSP(t.Context(), "hi")
		} else {
			r, err = p.ChatMCP(t.Context(), "hi")
		}
		if err != nil || r.Text == "" {
			t.Fatalf("%s chat = %+v, %v", mode, r, err)
		}
		t.Logf("%s: %+v", mode, r)
	}
}
