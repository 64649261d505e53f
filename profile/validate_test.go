package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, data string
		want             string
	}{
		{"unknown provider with suggestion", "high-availability.json",
			`{"provider":"lb","ephemeralSettings":{"lb":{"type":"failover","buckets":[{"provider":"anthropic","model":"a"},{"provider":"openai","model":"b"},{"provider":"antropic","model":"c"}]}}}`,
			`high-availability.json: ephemeralSettings.lb.buckets[2].provider: unknown provider "antropic" (did you mean "anthropic"?)`},
		{"unknown provider without suggestion", "p.json", `{"provider":"zzzzzzzz","model":"m"}`,
			`p.json: provider: unknown provider "zzzzzzzz": use one of`},
		{"lb bucket named lb", "p.json", `{"provider":"lb","ephemeralSettings":{"lb":{"buckets":[{"provider":"lb","model":"m"}]}}}`,
			`ephemeralSettings.lb.buckets[0].provider: "lb" is only valid`},
		{"lb missing", "p.json", `{"provider":"lb"}`, `p.json: ephemeralSettings.lb: missing`},
		{"empty buckets", "p.json", `{"provider":"lb","ephemeralSettings":{"lb":{"buckets":[]}}}`, `ephemeralSettings.lb.buckets: empty`},
		{"bucket without model", "p.json", `{"provider":"lb","ephemeralSettings":{"lb":{"buckets":[{"provider":"openai"}]}}}`, `ephemeralSettings.lb.buckets[0].model: missing`},
		{"bad lb type", "p.json", `{"provider":"lb","ephemeralSettings":{"lb":{"type":"failovr","buckets":[{"provider":"openai","model":"m"}]}}}`,
			`ephemeralSettings.lb.type: unknown load-balancer type "failovr" (did you mean "failover"?)`},
		{"string temperature", "p.json", `{"provider":"openai","model":"m","modelParams":{"temperature":"hot"}}`, `p.json: modelParams.temperature: want a number`},
		{"context-limit not a number", "p.json", `{"provider":"openai","model":"m","ephemeralSettings":{"context-limit":"lots"}}`, `ephemeralSettings.context-limit: want a number, found "lots"`},
		{"negative context-limit", "p.json", `{"provider":"openai","model":"m","ephemeralSettings":{"context-limit":-5}}`, `ephemeralSettings.context-limit: want a positive whole number`},
		{"bad base url", "p.json", `{"provider":"openai","model":"m","ephemeralSettings":{"base-url":"localhost:8080"}}`, `ephemeralSettings.base-url: "localhost:8080" is not an http(s) URL`},
		{"provider not a string", "p.json", `{"provider":7,"model":"m"}`, `p.json: provider: want a string, found a number`},
		{"no provider", "p.json", `{"model":"m"}`, `p.json: provider: missing`},
		{"unknown type", "p.json", `{"type":"cluster","provider":"openai","model":"m"}`, `p.json: type: unknown profile type "cluster"`},
		{"loadbalancer without profiles", "p.json", `{"type":"loadbalancer","policy":"failover"}`, `p.json: profiles: want a non-empty list`},
		{"loadbalancer traversal member", "p.json", `{"type":"loadbalancer","profiles":["../../etc/passwd"]}`, `p.json: profiles[0]: profile: invalid profile name "../../etc/passwd"`},
		{"subProfile unknown provider", "p.json", `{"provider":"openai","model":"m","loadBalancer":{"strategy":"round-robin","subProfiles":[{"name":"a","provider":"opnai"}]}}`,
			`loadBalancer.subProfiles[0].provider: unknown provider "opnai" (did you mean "openai"?)`},
		{"syntax error with position", "p.json", "{\n  \"provider\": \"openai\",\n  \"model\": \"m\",,\n}", `p.json: not valid JSON: line 3, column`},
		{"truncated", "p.json", `{"provider": "openai"`, `not valid JSON: unexpected end of file`},
		{"top-level array", "p.json", `[1]`, `the top level must be a JSON object`},
		{"trailing data", "p.json", `{"provider":"openai","model":"m"} {}`, `unexpected data after the closing }`},
		{"toml syntax", "p.toml", "provider = \"openai\"\nmodel = \n", `p.toml: not valid TOML: line 2`},
		{"toml wrong type", "p.toml", "provider = \"lb\"\n[ephemeralSettings]\nlb = 3\n", `p.toml: ephemeralSettings.lb: want an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %s\ndoes not contain\n  %s", err, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "high-availability", "Team_1.v2", strings.Repeat("x", 64)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../x", "..", "a/b", `a\b`, "/etc/passwd", ".hidden", "-flag", "a b", "a..b", strings.Repeat("x", 65), "naïve", "x\x00y"} {
		err := ValidName(bad)
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
}

func TestContextLimitWarning(t *testing.T) {
	p := mustParse(t, "recipe/high-availability.json")
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("recipe profile warned: %v", w)
	}
	if err := p.Set(1000000, "ephemeralSettings", "context-limit"); err != nil {
		t.Fatal(err)
	}
	want := "context-limit 1000000 exceeds the smallest bucket window (200000, anthropic/claude-sonnet-4-5): set context-limit to 200000"
	if w := p.Warnings(); len(w) != 1 || w[0] != want {
		t.Errorf("warnings = %q, want %q", w, want)
	}
}

func TestValidateFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	w, err := ValidateFile(write("big.json", `{"provider":"lb","ephemeralSettings":{"context-limit":400000,"lb":{"buckets":[{"provider":"openai","model":"gpt-5.2"},{"provider":"anthropic","model":"claude-haiku-4-5"}]}}}`))
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "set context-limit to 200000") {
		t.Errorf("warnings %q, err %v", w, err)
	}
	_, err = ValidateFile(write("bad.json", `{"provider":"openai","model":"m","ephemeralSettings":{"failover_retry_count":"many"}}`))
	if err == nil || !strings.Contains(err.Error(), "bad.json: ephemeralSettings: ") || !strings.Contains(err.Error(), "failover_retry_count") {
		t.Errorf("bad settings: %v", err)
	}
	if _, err := ValidateFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file validated")
	}
}

func TestConfigDir(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	tests := []struct {
		flag, env, want string
	}{
		{"/cfg", "/env", "/cfg"},
		{"", "/env", "/env"},
		{"", "", "/home/u/.llxprt"},
		{"~/other", "", "/home/u/other"},
	}
	for _, tt := range tests {
		got, err := configDir(tt.flag, func(string) string { return tt.env }, home)
		if err != nil || got != tt.want {
			t.Errorf("configDir(%q, %q) = %q, %v; want %q", tt.flag, tt.env, got, err, tt.want)
		}
	}
}

func TestParseBOM(t *testing.T) {
	data := append([]byte("\ufeff"), readTestdata(t, "recipe/high-availability.json")...)
	for _, name := range []string{"bom.json", ""} {
		if _, err := Parse(data, name); err != nil {
			t.Errorf("Parse(%q) with BOM: %v", name, err)
		}
	}
}
