package profile

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers/models"
	"github.com/llxprt/llxprt-ls/providers/registry"
)

// checkProvider refuses a provider the registry does not know, suggesting
// the nearest known name.
func (r *reader) checkProvider(name, path string) {
	if _, ok := registry.Canonical(name); ok {
		return
	}
	if name == "lb" {
		r.fail(path, `"lb" is only valid as the profile's own provider: give this bucket a real provider`)
		return
	}
	if s := suggest(name, append(registry.Known(), "claude", "google")); s != "" {
		r.fail(path, "unknown provider %q (did you mean %q?)", name, s)
		return
	}
	r.fail(path, "unknown provider %q: use one of %s", name, strings.Join(registry.Known(), ", "))
}

// checkPolicy refuses a load-balancing type the balancer does not know.
func (r *reader) checkPolicy(name, path string) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "failover", "fallback", "priority", "round-robin", "roundrobin", "round_robin", "rr",
		"random", "weighted", "weighted-round-robin", "weighted_round_robin",
		"latency", "least-latency", "lowest-latency", "fastest":
		return
	}
	if s := suggest(n, balancer.Policies()); s != "" {
		r.fail(path, "unknown load-balancer type %q (did you mean %q?)", name, s)
		return
	}
	r.fail(path, "unknown load-balancer type %q: use one of %s", name, strings.Join(balancer.Policies(), ", "))
}

func (r *reader) checkBaseURL(o *object, key, path string) {
	s := r.str(o, key, path)
	if s == "" || r.err != nil {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(join(path, key), "%q is not an http(s) URL: write it like \"http://127.0.0.1:11434/v1\"", s)
	}
}

// suggest returns the candidate closest to name when it is close enough to
// be a typo (edit distance at most a third of the name, and at most 3).
func suggest(name string, candidates []string) string {
	name = strings.ToLower(name)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD == 0 || bestD > 3 || bestD*3 > len(name)+1 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func numberOf(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case string:
		f, err := json.Number(strings.TrimSpace(t)).Float64()
		return f, err == nil
	}
	return 0, false
}

// contextWarning checks the profile's context-limit against the smallest
// window among buckets (the recipe's "set it to the smallest provider
// limit"), and says the number to use.
func contextWarning(limit int, buckets []Bucket) string {
	if limit <= 0 {
		return ""
	}
	smallest, who := 0, ""
	for _, b := range buckets {
		w := b.ContextLimit
		if w == 0 || b.Path == "provider" {
			// A standard profile's own context-limit is the limit being
			// checked, not a window.
			w = modelWindow(b)
		}
		if w > 0 && (smallest == 0 || w < smallest) {
			smallest, who = w, b.Provider+"/"+b.Model
		}
	}
	if smallest == 0 || limit <= smallest {
		return ""
	}
	return fmt.Sprintf("context-limit %d exceeds the smallest bucket window (%d, %s): set context-limit to %d", limit, smallest, who, smallest)
}

func modelWindow(b Bucket) int {
	id, _ := registry.Canonical(b.Provider)
	if info, ok := models.Lookup(id, b.Model); ok {
		return info.ContextWindow
	}
	return 0
}

// Warnings returns what is legal but probably wrong in p on its own (without
// resolving "type": "loadbalancer" members): a context-limit above the
// smallest bucket window, and balancer settings that do not parse.
func (p *Profile) Warnings() []string {
	var w []string
	limit := intOf(p.Ephemeral["context-limit"])
	if s := contextWarning(limit, p.Buckets()); s != "" {
		w = append(w, s)
	}
	return w
}

// ValidateFile parses the profile at path and checks what Build would:
// balancer settings, provider names, the context limit. It touches no
// credential and no network. Errors name the file, the path inside it and
// the fix; warnings are legal but probably wrong.
func ValidateFile(path string) (warnings []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	p, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	if _, err := settingsOf(p); err != nil {
		return nil, &Error{File: baseName(path), Path: "ephemeralSettings", Msg: err.Error()}
	}
	return p.Warnings(), nil
}

// settingsOf reads the balancer settings from ephemeralSettings and the lb
// object (whose keys win).
func settingsOf(p *Profile) (balancer.Settings, error) {
	return balancer.ParseSettings(p.Ephemeral)
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
