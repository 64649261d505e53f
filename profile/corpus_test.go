package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := Parse(readTestdata(t, name), name)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func bucketIDs(bs []Bucket) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Provider+"/"+b.Model)
	}
	return out
}

// corpus is every shape the issue lists, each with what it must load as.
var corpus = []struct {
	file    string
	kind    string
	policy  string
	buckets []string
	notes   int
}{
	{"recipe/high-availability.json", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "openai/gpt-5.2", "gemini/gemini-3-flash-preview"}, 0},
	{"recipe/cost-optimized.json", KindLB, "failover", []string{"gemini/gemini-3-flash-preview", "qwen/qwen3-coder-pro", "anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-4-5"}, 4},
	{"recipe/capability-optimized.json", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "openai/o3-pro", "openai/gpt-5.2", "gemini/gemini-3-pro-preview"}, 4},
	{"recipe/mixed-auth.json", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "openai/gpt-5.2", "gemini/gemini-3-flash-preview"}, 3},
	{"recipe/inline.txt", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "openai/gpt-5.2"}, 0},
	{"standard.json", KindStandard, "failover", []string{"anthropic/claude-sonnet-4-5"}, 0},
	{"local-ollama.json", KindStandard, "failover", []string{"ollama/qwen3-coder:30b"}, 0},
	{"inline-lb.json", KindStandard, "round-robin", []string{"openai/gpt-5.2", "openai-compatible/qwen3-coder"}, 2},
	{"unknown-keys.json", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "gemini/gemini-3-flash-preview"}, 1},
	{"high-availability.toml", KindLB, "failover", []string{"anthropic/claude-sonnet-4-5", "openai/gpt-5.2", "gemini/gemini-3-flash-preview"}, 0},
	{"store/profiles/team.json", KindLoadBalancer, "failover", nil, 0},
	{"store/profiles/gpt.toml", KindStandard, "failover", []string{"openai/gpt-5.2"}, 0},
	{"store/profiles/ha-nested.json", KindLB, "round-robin", []string{"gemini/gemini-3-flash-preview", "qwen/qwen3-coder-pro"}, 0},
}

func TestCorpusLoads(t *testing.T) {
	for _, tt := range corpus {
		t.Run(tt.file, func(t *testing.T) {
			p := mustParse(t, tt.file)
			if p.Kind() != tt.kind {
				t.Errorf("Kind = %q, want %q", p.Kind(), tt.kind)
			}
			if p.policy() != tt.policy {
				t.Errorf("policy = %q, want %q", p.policy(), tt.policy)
			}
			if diff := cmp.Diff(tt.buckets, bucketIDs(p.Buckets())); diff != "" {
				t.Errorf("buckets (-want +got):\n%s", diff)
			}
			notes := 0
			for _, b := range p.Buckets() {
				if b.Note != "" {
					notes++
				}
			}
			if notes != tt.notes {
				t.Errorf("%d notes, want %d", notes, tt.notes)
			}
		})
	}
}

func TestRecipeDetails(t *testing.T) {
	p := mustParse(t, "recipe/capability-optimized.json")
	b := p.LB.Buckets[0]
	if b.Note != "Best reasoning with thinking" {
		t.Errorf("note = %q", b.Note)
	}
	th, _ := b.ModelParams["thinking"].(map[string]any)
	if th["budget_tokens"] != json.Number("8192") {
		t.Errorf("thinking = %v", b.ModelParams["thinking"])
	}
	mixed := mustParse(t, "recipe/mixed-auth.json")
	if k := mixed.LB.Buckets[1]; k.Key != "sk-..." || k.KeyFrom != "ephemeralSettings.lb.buckets[1].key" {
		t.Errorf("mixed bucket 2 key %q from %q", k.Key, k.KeyFrom)
	}
	std := mustParse(t, "standard.json")
	got := std.Buckets()[0]
	if got.Keyfile != "~/.keys/anthropic.key" || got.BaseURL != "https://api.anthropic.com" || got.SocketTimeoutMS != 60000 || got.ContextLimit != 200000 {
		t.Errorf("standard bucket = %+v", got)
	}
	inl := mustParse(t, "inline-lb.json").Buckets()
	if inl[0].Key != "sk-proj-inline-subprofile-key-0001" || inl[1].Key != "" || inl[1].BaseURL != "http://127.0.0.1:8000/v1" {
		t.Errorf("inline buckets = %+v", inl)
	}
}

// The recipe's policy-type snippets are fragments ("buckets": [...]); with
// the high-availability buckets in place of [...] each is a whole profile.
func TestRecipeFragments(t *testing.T) {
	ha := mustParse(t, "recipe/high-availability.json")
	buckets, err := json.Marshal(ha.Data()["ephemeralSettings"].(map[string]any)["lb"].(map[string]any)["buckets"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, policy string }{
		{"recipe/fragment-failover.txt", "failover"},
		{"recipe/fragment-round-robin.txt", "round-robin"},
		{"recipe/fragment-random.txt", "random"},
	} {
		frag := string(readTestdata(t, tt.file))
		if !strings.Contains(frag, "[...]") {
			t.Fatalf("%s: no [...] placeholder", tt.file)
		}
		if _, err := Parse([]byte(frag), "fragment.json"); err == nil {
			t.Errorf("%s: the fragment itself parsed", tt.file)
		}
		lb := strings.Replace(frag, "[...]", string(buckets), 1)
		// The fragment is the ephemeralSettings object: {"lb": {...}}.
		full := `{"version": 1, "provider": "lb", "ephemeralSettings": ` + lb + `}`
		p, err := Parse([]byte(full), tt.file)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tt.file, err, full)
		}
		if p.LB.Type != tt.policy || len(p.LB.Buckets) != 3 {
			t.Errorf("%s: type %q with %d buckets", tt.file, p.LB.Type, len(p.LB.Buckets))
		}
	}
}

func TestParseInline(t *testing.T) {
	p, err := ParseInline(strings.TrimSpace(string(readTestdata(t, "recipe/inline.txt"))))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != KindLB || len(p.LB.Buckets) != 2 {
		t.Errorf("inline: kind %q, %d buckets", p.Kind(), len(p.LB.Buckets))
	}
	if _, err := ParseInline(`{"provider":"lb"}`); err == nil || !strings.Contains(err.Error(), "ephemeralSettings.lb: missing") {
		t.Errorf("inline without lb: %v", err)
	}
}

// The TOML profile is the same data as the recipe's JSON one.
func TestTOMLMatchesJSON(t *testing.T) {
	j := mustParse(t, "recipe/high-availability.json")
	tm := mustParse(t, "high-availability.toml")
	if tm.Format != FormatTOML || j.Format != FormatJSON {
		t.Errorf("formats %q %q", tm.Format, j.Format)
	}
	if diff := cmp.Diff(numeric(j.Data()), numeric(tm.Data())); diff != "" {
		t.Errorf("TOML differs from JSON (-json +toml):\n%s", diff)
	}
}

// numeric turns json.Numbers into float64 so data from the two formats
// compares by value.
func numeric(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = numeric(e)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = numeric(e)
		}
		return a
	case json.Number:
		f, _ := t.Float64()
		return f
	}
	return v
}

func jsonNumber(s string) json.Number { return json.Number(s) }

func TestOAuthOnlyProfiles(t *testing.T) {
	p, err := Parse([]byte(`{"provider":"gemini","model":"gemini-3-flash-preview","ephemeralSettings":{"authOnly":true}}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Buckets()[0].OAuthOnly {
		t.Error("authOnly not read")
	}
	p, err = Parse([]byte(`{"provider":"qwen","model":"qwen3-coder-pro","auth":{"type":"oauth","buckets":["default"]}}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Buckets()[0].OAuthOnly {
		t.Error(`"auth": {"type": "oauth"} not read`)
	}
	if mustParse(t, "inline-lb.json").Buckets()[0].OAuthOnly {
		t.Error(`"auth": {"type": "apikey"} read as OAuth`)
	}
}
