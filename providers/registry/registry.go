// Package registry builds a [providers.Provider] from a [providers.Config]:
// the one place that knows which adapter serves which provider id, and the
// aliases people type ("claude", "google", "dashscope").
package registry

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/anthropic"
	"github.com/llxprt/llxprt-ls/providers/gemini"
	"github.com/llxprt/llxprt-ls/providers/openai"
)

// aliases maps what users write to a canonical provider id.
var aliases = map[string]string{
	"claude":            "anthropic",
	"google":            "gemini",
	"googleai":          "gemini",
	"google-ai":         "gemini",
	"dashscope":         "qwen",
	"alibaba":           "qwen",
	"openai_compatible": "openai-compatible",
	"openaicompatible":  "openai-compatible",
	"compatible":        "openai-compatible",
	"lm-studio":         "lmstudio",
	"llama.cpp":         "llamacpp",
	"llama-cpp":         "llamacpp",
	"x-ai":              "xai",
	"grok":              "xai",
	// LLxprt Code's provider names.
	"openai-responses": "openai",
	"openaivercel":     "openai",
}

// Known returns every canonical provider id, sorted (for "did you mean"
// suggestions and validation messages).
func Known() []string {
	ids := append([]string{"anthropic", "gemini"}, openai.Providers()...)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Canonical returns the canonical id for a provider name or alias.
func Canonical(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[n]; ok {
		n = a
	}
	if slices.Contains(Known(), n) {
		return n, true
	}
	return "", false
}

// New builds the adapter for cfg.Provider (a canonical id or an alias).
func New(cfg providers.Config) (providers.Provider, error) {
	id, ok := Canonical(cfg.Provider)
	if !ok {
		return nil, fmt.Errorf("registry: unknown provider %q (known: %s)", cfg.Provider, strings.Join(Known(), ", "))
	}
	if strings.EqualFold(strings.TrimSpace(cfg.Provider), "openai-responses") && cfg.API == "" {
		cfg.API = "responses" // LLxprt Code's name for OpenAI on the Responses API
	}
	cfg.Provider = id
	switch id {
	case "anthropic":
		return anthropic.New(cfg)
	case "gemini":
		return gemini.New(cfg)
	default:
		return openai.New(cfg)
	}
}

// NeedsKey reports whether a bucket on provider with baseURL must have a
// credential. Local OpenAI-compatible servers (Ollama, LM Studio, llama.cpp,
// vLLM), a generic "openai-compatible" endpoint, and any base URL on loopback
// may run without one: the adapter then sends no credential header, and a
// server that does want one answers 401, which fails over like any auth error.
func NeedsKey(provider, baseURL string) bool {
	id, _ := Canonical(provider)
	switch id {
	case "ollama", "lmstudio", "llamacpp", "vllm", "openai-compatible":
		return false
	}
	if baseURL != "" {
		if u, err := url.Parse(baseURL); err == nil {
			switch u.Hostname() {
			case "localhost", "127.0.0.1", "::1":
				return false
			}
		}
	}
	return true
}
