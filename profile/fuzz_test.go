package profile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func addSeeds(f *testing.F, ext string) {
	files, _ := filepath.Glob("testdata/*" + ext)
	more, _ := filepath.Glob("testdata/*/*" + ext)
	deeper, _ := filepath.Glob("testdata/*/*/*" + ext)
	for _, path := range append(append(files, more...), deeper...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fuzzOne checks that Parse never panics, and that whatever it accepts
// encodes in both formats (or refuses TOML for a null) and reads back the
// same.
func fuzzOne(t *testing.T, data []byte, name string) {
	p, err := Parse(data, name)
	if err != nil {
		return
	}
	for _, format := range []string{FormatJSON, FormatTOML} {
		out, err := p.Encode(format)
		if err != nil {
			if format == FormatJSON {
				t.Fatalf("encode JSON: %v", err)
			}
			continue
		}
		q, err := Parse(out, "x."+format)
		if err != nil {
			t.Fatalf("reparse %s: %v\n%s", format, err, out)
		}
		if diff := cmp.Diff(numeric(p.Data()), numeric(q.Data())); diff != "" {
			t.Fatalf("%s round trip changed data:\n%s", format, diff)
		}
	}
	_ = p.Masked()
	_ = p.Warnings()
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, ".json")
	f.Add([]byte(`{"provider":"lb","ephemeralSettings":{"lb":{"buckets":[{"provider":"openai","model":"m","x":[[[]]]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOne(t, data, "fuzz.json") })
}

func FuzzParseTOML(f *testing.F) {
	addSeeds(f, ".toml")
	f.Add([]byte("provider = \"openai\"\nmodel = \"m\"\n[x]\n\"a b\" = 1e3\nd = 1979-05-27T07:32:00Z\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOne(t, data, "fuzz.toml") })
}
