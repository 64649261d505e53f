package models

import (
	"math"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		provider, model string
		wantID          string
		wantWindow      int
		wantOK          bool
	}{
		{"anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 200000, true},
		{"anthropic", "claude-haiku-4-5", "claude-haiku-4-5-20251001", 200000, true},
		{"openai", "gpt-5.2", "gpt-5.2", 400000, true},
		{"gemini", "gemini-3-flash-preview", "gemini-3-flash-preview", 1048576, true},
		{"gemini", "models/gemini-3-flash-preview", "gemini-3-flash-preview", 1048576, true},
		{"Gemini", "GEMINI-3-PRO-PREVIEW", "gemini-3-pro-preview", 1048576, true},
		{"qwen", "qwen3-coder-pro", "qwen3-coder-pro", 262144, true},
		{"openai-compatible", "gpt-5.2", "gpt-5.2", 400000, true}, // a proxy: found under openai
		{"openai", "o3-pro", "o3-pro", 200000, true},
		{"anthropic", "no-such-model", "", 0, false},
		{"anthropic", "", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.model, func(t *testing.T) {
			info, ok := Lookup(tt.provider, tt.model)
			if ok != tt.wantOK || info.ID != tt.wantID || info.ContextWindow != tt.wantWindow {
				t.Fatalf("Lookup = %q %d %v, want %q %d %v", info.ID, info.ContextWindow, ok, tt.wantID, tt.wantWindow, tt.wantOK)
			}
		})
	}
}

func TestLookupPrices(t *testing.T) {
	info, ok := Lookup("anthropic", "claude-sonnet-4-5")
	if !ok || info.InputPerMTok != 3 || info.OutputPerMTok != 15 || info.CachedPerMTok != 0.3 {
		t.Fatalf("sonnet prices = %+v", info)
	}
}

func TestList(t *testing.T) {
	l := List("anthropic")
	if len(l) < 5 {
		t.Fatalf("List(anthropic) has %d models", len(l))
	}
	for i := 1; i < len(l); i++ {
		if l[i-1].ID >= l[i].ID {
			t.Fatalf("List not sorted or has duplicates at %q, %q", l[i-1].ID, l[i].ID)
		}
	}
	var hasFallback bool
	for _, info := range List("qwen") {
		hasFallback = hasFallback || info.ID == "qwen3-coder-pro"
	}
	if !hasFallback {
		t.Fatal("List(qwen) lacks the fallback qwen3-coder-pro")
	}
	if List("no-such-provider") != nil {
		t.Fatal("List of an unknown provider should be nil")
	}
}

func TestCost(t *testing.T) {
	info := Info{InputPerMTok: 3, OutputPerMTok: 15, CachedPerMTok: 0.3}
	tests := []struct {
		name string
		u    providers.Usage
		want float64
	}{
		{"plain", providers.Usage{InputTokens: 1_000_000, OutputTokens: 1_000_000}, 18},
		{"cached share", providers.Usage{InputTokens: 1_000_000, CachedTokens: 500_000}, 1.5 + 0.15},
		{"cached above input is capped", providers.Usage{InputTokens: 100, CachedTokens: 1000}, 100 * 0.3 / 1e6},
		{"zero", providers.Usage{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cost(info, tt.u); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("Cost = %v, want %v", got, tt.want)
			}
		})
	}
	noCache := Info{InputPerMTok: 2, OutputPerMTok: 8}
	if got := Cost(noCache, providers.Usage{InputTokens: 1_000_000, CachedTokens: 1_000_000}); got != 2 {
		t.Fatalf("cached tokens without a cache price = %v, want the input price 2", got)
	}
}
