package profile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Parse → Encode → Parse gives the same data in both formats, unknown keys
// included.
func TestRoundTrip(t *testing.T) {
	for _, tt := range corpus {
		for _, format := range []string{FormatJSON, FormatTOML} {
			t.Run(tt.file+"/"+format, func(t *testing.T) {
				p := mustParse(t, tt.file)
				out, err := p.Encode(format)
				if err != nil {
					t.Fatal(err)
				}
				q, err := Parse(out, "x."+format)
				if err != nil {
					t.Fatalf("reparse: %v\n%s", err, out)
				}
				if diff := cmp.Diff(numeric(p.Data()), numeric(q.Data())); diff != "" {
					t.Errorf("data changed (-before +after):\n%s\n%s", diff, out)
				}
				if format == p.Format {
					// Same format: even the number spellings survive.
					if diff := cmp.Diff(p.Data(), q.Data()); diff != "" {
						t.Errorf("exact data changed (-before +after):\n%s", diff)
					}
				}
				again, err := q.Encode(format)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, again) {
					t.Errorf("encoding is not stable:\n%s\n---\n%s", out, again)
				}
			})
		}
	}
}

// The recipe's files are written the way LLxprt Code writes JSON, so saving
// them gives back the same bytes: key order and number spelling are kept.
func TestJSONKeepsBytes(t *testing.T) {
	for _, f := range []string{"recipe/high-availability.json", "recipe/cost-optimized.json", "recipe/capability-optimized.json", "recipe/mixed-auth.json", "standard.json", "inline-lb.json"} {
		in := readTestdata(t, f)
		out, err := mustParse(t, f).Encode(FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(in), string(out)); diff != "" {
			t.Errorf("%s (-file +encoded):\n%s", f, diff)
		}
	}
}

func TestUnknownKeysKeptInOrder(t *testing.T) {
	p := mustParse(t, "unknown-keys.json")
	for _, format := range []string{FormatJSON, FormatTOML} {
		out, err := p.Encode(format)
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		for _, want := range []string{"x-future-top", "vendor_specific", "x-lb-extra", "x-bucket-extra", "zz-last", "shell-replacement", `primary <fast> & \"quoted\"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: %q lost:\n%s", format, want, s)
			}
		}
		if format == FormatJSON && (strings.Index(s, `"x-future-top"`) > strings.Index(s, `"modelParams"`) || !strings.HasSuffix(strings.TrimSpace(s), "\"zz-last\": \"still last\"\n}")) {
			t.Errorf("key order changed:\n%s", s)
		}
		if format == FormatJSON && !strings.Contains(s, `"z": 1,`) {
			t.Errorf("nested key order changed:\n%s", s)
		}
	}
}

func TestTOMLKeepsKeyOrder(t *testing.T) {
	p := mustParse(t, "high-availability.toml")
	out, err := p.Encode(FormatTOML)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !(strings.Index(s, "version") < strings.Index(s, "provider") && strings.Index(s, "provider") < strings.Index(s, "model =")) {
		t.Errorf("top-level order lost:\n%s", s)
	}
	if strings.Count(s, "[[ephemeralSettings.lb.buckets]]") != 3 {
		t.Errorf("buckets not written as an array of tables:\n%s", s)
	}
}

func TestTOMLRefusesNull(t *testing.T) {
	p := mustParse(t, "unknown-keys.json")
	if err := p.Set(nil, "x-future-top"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Encode(FormatTOML); err != nil {
		t.Fatalf("without the null: %v", err)
	}
	if err := p.Set(map[string]any{"gone": nil}, "x-null"); err != nil {
		t.Fatal(err)
	}
	_, err := p.Encode(FormatTOML)
	if err == nil || !strings.Contains(err.Error(), "x-null.gone is null") {
		t.Errorf("err = %v", err)
	}
}

func TestSet(t *testing.T) {
	p := mustParse(t, "recipe/high-availability.json")
	if err := p.Set(1000000, "ephemeralSettings", "context-limit"); err != nil {
		t.Fatal(err)
	}
	if got := p.Ephemeral["context-limit"]; got != any(jsonNumber("1000000")) {
		t.Errorf("context-limit = %#v", got)
	}
	if err := p.Set("antropic", "provider"); err == nil {
		t.Error("Set accepted an invalid profile")
	}
	if p.Provider != "lb" {
		t.Errorf("failed Set changed the profile: provider %q", p.Provider)
	}
	if err := p.Set("x", "model", "deeper"); err == nil {
		t.Error("Set through a string worked")
	}
}

func TestTOMLTricky(t *testing.T) {
	base := "provider = \"openai\"\nmodel = \"m\"\n"
	tests := []struct{ name, extra string }{
		{"quoted keys", "[\"x.y\"]\n\"a b\" = 1\n\"\" = \"empty key\"\n"},
		{"dotted keys", "x.y.z = 1\nx.y.w = \"s\"\n"},
		{"nested arrays of tables", "[[a]]\nn = 1\n[[a.b]]\nm = 1\n[[a.b]]\nm = 2\n[[a]]\nn = 2\n[[a.b]]\nm = 3\n"},
		{"inline arrays", "arr = [[1, 2], [\"a\"], [{k = 1}]]\nmixed = [1, \"two\", 3.5, true]\n"},
		{"special strings", "s = \"tab\\there \\\"q\\\" \\\\ \\u0001 é 😀\"\nml = \"\"\"\nline1\nline2\"\"\"\n"},
		{"numbers", "i = -0\nbig = 9223372036854775807\nf = 1e300\ng = -0.0\nh = 3.0\nhex = 0xff\n"},
		{"dates", "d = 1979-05-27T07:32:00Z\nld = 1979-05-27\nlt = 07:32:00\n"},
		{"empty table", "[empty]\n[[things]]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(base+tt.extra), "t.toml")
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{FormatTOML, FormatJSON} {
				out, err := p.Encode(format)
				if err != nil {
					t.Fatal(err)
				}
				q, err := Parse(out, "x."+format)
				if err != nil {
					t.Fatalf("reparse %s: %v\n%s", format, err, out)
				}
				if diff := cmp.Diff(numeric(p.Data()), numeric(q.Data())); diff != "" {
					t.Errorf("%s round trip (-before +after):\n%s\n%s", format, diff, out)
				}
			}
		})
	}
}

// JSON → TOML → JSON gives back the recipe files byte for byte: TOML keeps
// the key order too.
func TestJSONThroughTOMLKeepsBytes(t *testing.T) {
	for _, f := range []string{"recipe/high-availability.json", "recipe/cost-optimized.json", "recipe/capability-optimized.json", "recipe/mixed-auth.json"} {
		in := readTestdata(t, f)
		tm, err := mustParse(t, f).Encode(FormatTOML)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(tm, "x.toml")
		if err != nil {
			t.Fatal(err)
		}
		out, err := back.Encode(FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(in), string(out)); diff != "" {
			t.Errorf("%s (-file +via TOML):\n%s\n%s", f, diff, tm)
		}
	}
}
