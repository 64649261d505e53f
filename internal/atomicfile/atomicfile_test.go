package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	for _, durable := range []bool{true, false} {
		dir := t.TempDir()
		p := filepath.Join(dir, "f.json")
		for _, content := range []string{"old", "new"} {
			if err := Write(p, []byte(content), 0o600, durable); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != "new" {
			t.Fatalf("durable=%v: read %q, %v", durable, got, err)
		}
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %o, want 600", st.Mode().Perm())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("durable=%v: %d entries left in the directory, want 1", durable, len(entries))
		}
	}
}

func TestWriteIntoMissingDirFailsCleanly(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "f"), []byte("x"), 0o600, true); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestCleanTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".a.json.tmp-1", ".a.json.tmp-2", ".b.json.tmp-1", "a.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	CleanTemps(dir, "a.json")
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if len(left) != 2 || left[0] != ".b.json.tmp-1" || left[1] != "a.json" {
		t.Errorf("left %v, want [.b.json.tmp-1 a.json]", left)
	}
}
