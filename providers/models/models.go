// Package models answers "how large is this model's context window and what
// does it cost" for the balancer (window checks, cost in stats) and the
// profile layer (the context-limit warning, model pickers).
//
// The data comes from charm.land/catwalk's embedded provider catalogue
// (pkg/embedded), a maintained offline list of models with windows and
// prices, so the binary needs no network to know them. A small fallback
// table covers the models the high-availability recipe names that the
// catalogue lacks or spells differently. Use [Lookup] for one model, [List]
// for a provider's models and [Cost] to price a call's usage.
package models

import (
	"slices"
	"strings"
	"sync"

	"charm.land/catwalk/pkg/catwalk"
	"charm.land/catwalk/pkg/embedded"

	"github.com/llxprt/llxprt-ls/providers"
)

// Info is what we know about one model. Prices are USD per million tokens;
// 0 means unknown (or free).
type Info struct {
	Provider         string  `json:"provider"`
	ID               string  `json:"id"`
	Name             string  `json:"name,omitempty"`
	ContextWindow    int     `json:"context_window"`
	DefaultMaxTokens int     `json:"default_max_tokens,omitempty"`
	InputPerMTok     float64 `json:"input_per_mtok"`
	OutputPerMTok    float64 `json:"output_per_mtok"`
	CachedPerMTok    float64 `json:"cached_per_mtok,omitempty"`
	CanReason        bool    `json:"can_reason,omitempty"`
}

// fallback covers recipe models the catalogue does not list. Windows are the
// vendors' published ones: Qwen3-Coder's native window is 256K (262,144)
// tokens and Qwen's hosted coder-plus serves 1M.
var fallback = []Info{
	{Provider: "anthropic", ID: "claude-sonnet-4-5", Name: "Claude Sonnet 4.5", ContextWindow: 200000, InputPerMTok: 3, OutputPerMTok: 15, CachedPerMTok: 0.3},
	{Provider: "anthropic", ID: "claude-haiku-4-5", Name: "Claude Haiku 4.5", ContextWindow: 200000, InputPerMTok: 1, OutputPerMTok: 5, CachedPerMTok: 0.1},
	{Provider: "openai", ID: "gpt-5.2", Name: "GPT-5.2", ContextWindow: 400000, InputPerMTok: 1.75, OutputPerMTok: 14, CachedPerMTok: 0.175},
	{Provider: "openai", ID: "o3-pro", Name: "o3-pro", ContextWindow: 200000, InputPerMTok: 20, OutputPerMTok: 80},
	{Provider: "gemini", ID: "gemini-3-flash-preview", Name: "Gemini 3 Flash Preview", ContextWindow: 1048576, InputPerMTok: 0.5, OutputPerMTok: 3},
	{Provider: "gemini", ID: "gemini-3-pro-preview", Name: "Gemini 3 Pro Preview", ContextWindow: 1048576, InputPerMTok: 2, OutputPerMTok: 12},
	{Provider: "qwen", ID: "qwen3-coder-pro", Name: "Qwen3 Coder Pro", ContextWindow: 262144},
	{Provider: "qwen", ID: "qwen3-coder-plus", Name: "Qwen3 Coder Plus", ContextWindow: 1000000},
	{Provider: "qwen", ID: "qwen3-coder-flash", Name: "Qwen3 Coder Flash", ContextWindow: 1000000},
}

// aliases maps our provider ids to the catalogue's where they differ.
var aliases = map[string][]string{
	"qwen":   {"alibaba-singapore", "alibaba-us"},
	"google": {"gemini"},
	"vertex": {"vertexai"},
}

// firstParty is the search order when a model is looked up under a provider
// the catalogue does not know (an OpenAI-compatible proxy serving gpt-5.2).
var firstParty = []string{"anthropic", "openai", "gemini"}

type catalogue struct {
	byProvider map[string][]Info
	order      []string // provider ids, first-party first
}

// load parses the embedded catalogue once; the result is never modified.
var load = sync.OnceValue(func() *catalogue {
	c := &catalogue{byProvider: map[string][]Info{}}
	for _, p := range embedded.GetAll() {
		id := string(p.ID)
		if id == "" {
			continue
		}
		infos := make([]Info, 0, len(p.Models))
		for _, m := range p.Models {
			infos = append(infos, fromCatwalk(id, m))
		}
		c.byProvider[id] = infos
	}
	c.order = append(c.order, firstParty...)
	rest := make([]string, 0, len(c.byProvider))
	for id := range c.byProvider {
		if !slices.Contains(firstParty, id) {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	c.order = append(c.order, rest...)
	return c
})

func fromCatwalk(provider string, m catwalk.Model) Info {
	return Info{
		Provider:         provider,
		ID:               m.ID,
		Name:             m.Name,
		ContextWindow:    int(m.ContextWindow),
		DefaultMaxTokens: int(m.DefaultMaxTokens),
		InputPerMTok:     m.CostPer1MIn,
		OutputPerMTok:    m.CostPer1MOut,
		CachedPerMTok:    cachedRead(m),
		CanReason:        m.CanReason,
	}
}

// cachedRead picks the cache-read price. The catalogue follows crush's
// convention (cost_per_1m_in_cached is the cache-write price,
// cost_per_1m_out_cached the cache-read price) but some entries swap them,
// so the first one that is a discount on fresh input wins; 0 means none.
func cachedRead(m catwalk.Model) float64 {
	for _, p := range []float64{m.CostPer1MOutCached, m.CostPer1MInCached} {
		if p > 0 && p < m.CostPer1MIn {
			return p
		}
	}
	return 0
}

// Lookup finds a model's metadata. The provider's own catalogue entry wins,
// matched exactly or by its dated id ("claude-sonnet-4-5" finds
// "claude-sonnet-4-5-20250929"); then the fallback table; then, for a
// provider the catalogue does not know (a proxy, an OpenAI-compatible
// server), the same id under any catalogued provider, first-party first.
// Matching ignores case and a "models/" prefix (Gemini's spelling).
func Lookup(provider, model string) (Info, bool) {
	provider = strings.ToLower(strings.TrimSpace(provider))
	model = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(model), "models/"))
	if model == "" {
		return Info{}, false
	}
	c := load()
	for _, p := range providerIDs(provider) {
		if info, ok := find(c.byProvider[p], model); ok {
			return info, true
		}
	}
	if info, ok := find(fallbackFor(provider), model); ok {
		return info, true
	}
	for _, p := range c.order {
		if info, ok := find(c.byProvider[p], model); ok {
			return info, true
		}
	}
	if info, ok := find(fallback, model); ok {
		return info, true
	}
	return Info{}, false
}

// List returns every model known for provider (catalogue and fallback),
// sorted by id; nil when the provider is unknown.
func List(provider string) []Info {
	provider = strings.ToLower(strings.TrimSpace(provider))
	c := load()
	var out []Info
	seen := map[string]bool{}
	for _, p := range providerIDs(provider) {
		for _, info := range c.byProvider[p] {
			if !seen[info.ID] {
				seen[info.ID] = true
				out = append(out, info)
			}
		}
	}
	for _, info := range fallbackFor(provider) {
		if _, ok := find(out, info.ID); !ok {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Cost prices one call's usage in USD. Usage.InputTokens counts every input
// token, cached ones included (CachedTokens is the cached share); cached
// tokens are priced at CachedPerMTok, or InputPerMTok when that is unknown.
func Cost(info Info, u providers.Usage) float64 {
	cached := min(max(u.CachedTokens, 0), max(u.InputTokens, 0))
	fresh := max(u.InputTokens, 0) - cached
	cachedPrice := info.CachedPerMTok
	if cachedPrice == 0 {
		cachedPrice = info.InputPerMTok
	}
	return (float64(fresh)*info.InputPerMTok + float64(cached)*cachedPrice + float64(max(u.OutputTokens, 0))*info.OutputPerMTok) / 1e6
}

func providerIDs(provider string) []string {
	if a, ok := aliases[provider]; ok {
		return a
	}
	return []string{provider}
}

func fallbackFor(provider string) []Info {
	var out []Info
	for _, info := range fallback {
		if info.Provider == provider {
			out = append(out, info)
		}
	}
	return out
}

// find matches id exactly, else a dated variant "id-YYYYMMDD" (the newest
// date wins when several exist).
func find(infos []Info, id string) (Info, bool) {
	var best Info
	found := false
	for _, info := range infos {
		mid := strings.ToLower(info.ID)
		if mid == id {
			return info, true
		}
		if rest, ok := strings.CutPrefix(mid, id+"-"); ok && isDate(rest) && (!found || info.ID > best.ID) {
			best, found = info, true
		}
	}
	return best, found
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
