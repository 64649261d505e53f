package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return OpenStore(filepath.Join(t.TempDir(), "cfg"))
}

// copyStore returns a store holding testdata/store's profiles.
func copyStore(t *testing.T) *Store {
	t.Helper()
	s := newStore(t)
	if err := os.MkdirAll(s.ProfilesDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/store/profiles/*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.ProfilesDir(), filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestStoreSaveLoad(t *testing.T) {
	s := newStore(t)
	p := mustParse(t, "unknown-keys.json")
	if err := s.Save("ha", p, ""); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(s.ProfilesDir(), "ha.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %o, want 600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(s.ProfilesDir()); dst.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %o, want 700", dst.Mode().Perm())
	}
	got, err := s.Load("ha")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Data(), got.Data()); diff != "" {
		t.Errorf("loaded data differs:\n%s", diff)
	}
	// "" keeps the existing format; "toml" converts and removes the JSON.
	if err := s.Save("ha", got, FormatTOML); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.ProfilesDir(), "ha.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ha.json still there after saving as TOML: %v", err)
	}
	if err := s.Save("ha", got, ""); err != nil {
		t.Fatal(err)
	}
	again, err := s.Load("ha")
	if err != nil || again.Format != FormatTOML {
		t.Fatalf("reload: %v, format %q", err, again.Format)
	}
	if diff := cmp.Diff(numeric(p.Data()), numeric(again.Data())); diff != "" {
		t.Errorf("TOML save changed data:\n%s", diff)
	}
	if err := s.Save("x", p, "yaml"); err == nil {
		t.Error("yaml accepted")
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.ProfilesDir(), ".*.tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}

func TestStoreRefusesBadNamesBeforeTouchingFiles(t *testing.T) {
	s := newStore(t)
	p := mustParse(t, "standard.json")
	for _, name := range []string{"../evil", "/tmp/evil", "", "a/b", ".."} {
		checks := map[string]error{
			"Save":    s.Save(name, p, ""),
			"SaveRaw": s.SaveRaw(name, readTestdata(t, "standard.json")),
			"Delete":  s.Delete(name),
		}
		if name != "" { // SetDefault("") clears the default
			checks["SetDefault"] = s.SetDefault(name)
		}
		_, checks["Load"] = s.Load(name)
		for op, err := range checks {
			if !errors.Is(err, ErrInvalidName) {
				t.Errorf("%s(%q) = %v, want ErrInvalidName", op, name, err)
			}
		}
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("config dir was created by refused calls: %v", err)
	}
}

func TestStoreBothFormats(t *testing.T) {
	s := copyStore(t)
	data := readTestdata(t, "store/profiles/claude.json")
	if err := os.WriteFile(filepath.Join(s.ProfilesDir(), "gpt.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("gpt")
	if err == nil || !strings.Contains(err.Error(), "both gpt.json and gpt.toml exist") {
		t.Errorf("Load = %v", err)
	}
	if err := s.Save("gpt", mustParse(t, "standard.json"), ""); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("Save = %v", err)
	}
}

func TestStoreList(t *testing.T) {
	s := copyStore(t)
	if err := os.WriteFile(filepath.Join(s.ProfilesDir(), "broken.json"), []byte(`{"provider": "antropic", "model": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{".lock", ".x.json.tmp-123", "README.md", "bad name.json"} {
		if err := os.WriteFile(filepath.Join(s.ProfilesDir(), junk), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetDefault("claude"); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]Summary{}
	for _, sum := range list {
		names = append(names, sum.Name)
		byName[sum.Name] = sum
	}
	want := []string{"broken", "claude", "cycle-a", "cycle-b", "dangling", "gpt", "ha-nested", "team"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if b := byName["broken"]; b.Valid || !strings.Contains(b.Error, `did you mean "anthropic"`) || b.Format != FormatJSON {
		t.Errorf("broken = %+v", b)
	}
	if c := byName["claude"]; !c.Valid || !c.IsDefault || c.Type != KindStandard || len(c.Buckets) != 1 {
		t.Errorf("claude = %+v", c)
	}
	if g := byName["gpt"]; g.Format != FormatTOML {
		t.Errorf("gpt = %+v", g)
	}
	if tm := byName["team"]; tm.Type != KindLoadBalancer || tm.Policy != "failover" || len(tm.Buckets) != 3 || tm.Buckets[0].Note != "profile claude" {
		t.Errorf("team = %+v", tm)
	}
	empty, err := newStore(t).List()
	if err != nil || len(empty) != 0 {
		t.Errorf("empty store: %v, %v", empty, err)
	}
}

func TestStoreDefault(t *testing.T) {
	s := copyStore(t)
	settings := `{
  // LLxprt Code allows comments here
  "theme": "dark",
  "defaultProfile": "gpt",
  "ui": {"hideBanner": true}
}`
	if err := os.WriteFile(filepath.Join(s.Dir(), "settings.json"), []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Default(); err != nil || d != "gpt" {
		t.Fatalf("Default = %q, %v", d, err)
	}
	if err := s.SetDefault("claude"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(s.Dir(), "settings.json"))
	want := "{\n  \"theme\": \"dark\",\n  \"defaultProfile\": \"claude\",\n  \"ui\": {\n    \"hideBanner\": true\n  }\n}\n"
	if string(data) != want {
		t.Errorf("settings.json =\n%s\nwant\n%s", data, want)
	}
	if err := s.SetDefault("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDefault(nope) = %v", err)
	}
	if err := s.Delete("claude"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Default(); d != "" {
		t.Errorf("default after deleting it = %q", d)
	}
	if err := s.Delete("claude"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete = %v", err)
	}
	if _, err := s.Load("claude"); !errors.Is(err, ErrNotFound) {
		t.Errorf("load deleted = %v", err)
	}
}

func TestStoreSaveRaw(t *testing.T) {
	s := newStore(t)
	raw := readTestdata(t, "high-availability.toml")
	if err := s.SaveRaw("ha", raw); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(s.ProfilesDir(), "ha.toml"))
	if err != nil || string(got) != string(raw) {
		t.Errorf("SaveRaw did not keep the bytes (comments): %v", err)
	}
	err = s.SaveRaw("bad", []byte(`{"provider":"lb","ephemeralSettings":{"lb":{"buckets":[{"provider":"gemni","model":"m"}]}}}`))
	if err == nil || !strings.HasPrefix(err.Error(), `bad.json: ephemeralSettings.lb.buckets[0].provider: unknown provider "gemni" (did you mean "gemini"?)`) {
		t.Errorf("SaveRaw(bad) = %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.ProfilesDir(), "bad.json")); !errors.Is(err, os.ErrNotExist) {
		t.Error("an invalid profile was saved")
	}
	// JSON over an existing TOML profile replaces it.
	if err := s.SaveRaw("ha", readTestdata(t, "recipe/high-availability.json")); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Load("ha"); err != nil || p.Format != FormatJSON {
		t.Errorf("after JSON SaveRaw: %v", err)
	}
}

func TestStoreInit(t *testing.T) {
	s := newStore(t)
	if err := os.MkdirAll(s.ProfilesDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	mine := []byte("provider = \"openai\"\nmodel = \"gpt-5.2\"\n")
	if err := os.WriteFile(filepath.Join(s.ProfilesDir(), "cost-optimized.toml"), mine, 0o600); err != nil {
		t.Fatal(err)
	}
	created, err := s.Init()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"high-availability", "capability-optimized"}, created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(filepath.Join(s.ProfilesDir(), "cost-optimized.toml")); string(got) != string(mine) {
		t.Error("Init overwrote an existing profile")
	}
	ha, err := os.ReadFile(filepath.Join(s.ProfilesDir(), "high-availability.json"))
	if err != nil || string(ha) != string(readTestdata(t, "recipe/high-availability.json")) {
		t.Errorf("high-availability.json is not the recipe's: %v", err)
	}
	if def, err := s.Default(); err != nil || def != "high-availability" {
		t.Errorf("default after Init = %q, %v; want high-availability", def, err)
	}
	if err := s.SetDefault("cost-optimized"); err != nil {
		t.Fatal(err)
	}
	if again, err := s.Init(); err != nil || len(again) != 0 {
		t.Errorf("second Init = %v, %v", again, err)
	}
	if def, _ := s.Default(); def != "cost-optimized" {
		t.Errorf("Init replaced the default the user set: %q", def)
	}
}

func TestStorePath(t *testing.T) {
	s := copyStore(t)
	if p, err := s.Path("gpt"); err != nil || filepath.Base(p) != "gpt.toml" {
		t.Errorf("Path(gpt) = %q, %v", p, err)
	}
	if _, err := s.Path("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Path(nope) = %v", err)
	}
	if _, err := s.Path("../x"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Path(../x) = %v", err)
	}
}

// Saves, loads and lists from many goroutines: every save lands, every load
// sees a whole file.
func TestStoreConcurrentUse(t *testing.T) {
	s := newStore(t)
	p := mustParse(t, "recipe/cost-optimized.json")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("p%d", i)
			for range 5 {
				if err := s.Save(name, p, ""); err != nil {
					errs <- err
				}
				if _, err := s.Load("p0"); err != nil && !errors.Is(err, ErrNotFound) {
					errs <- err
				}
				if _, err := s.List(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, _ := s.List()
	if len(list) != 8 {
		t.Errorf("%d profiles, want 8", len(list))
	}
}

// TestDefaultNeverNamesADeletedProfile races SetDefault against Delete of
// the same profile (two editor windows, or the CLI and an editor): whoever
// wins, the default must not be left naming a profile that is gone.
func TestDefaultNeverNamesADeletedProfile(t *testing.T) {
	s := newStore(t)
	p := mustParse(t, "recipe/cost-optimized.json")
	for i := range 100 {
		if err := s.Save("x", p, ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := s.SetDefault("x"); err != nil && !errors.Is(err, ErrNotFound) {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := s.Delete("x"); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if def, err := s.Default(); err != nil || def == "x" {
			t.Fatalf("round %d: default = %q, %v after deleting x", i, def, err)
		}
	}
}
