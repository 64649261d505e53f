package profile

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/internal/atomicfile"
)

// ErrNotFound is the cause of the error for a profile that does not exist.
var ErrNotFound = errors.New("no such profile")

// Store is the profiles directory of one config dir. Its methods are safe
// for concurrent use, also across processes: writes take an flock and
// replace files atomically.
type Store struct {
	dir string
	// Debounce is how long Watch waits after the last change to a profile
	// before reporting it (editors write a file in several steps). Default
	// 100ms; set it before calling Watch.
	Debounce time.Duration
	// watching, when set, is called once Watch is registered (tests).
	watching func()
}

// OpenStore returns the store for config dir dir. Nothing is created until
// the first save; profiles/ is then made with mode 0700.
func OpenStore(dir string) *Store { return &Store{dir: dir, Debounce: 100 * time.Millisecond} }

// Dir is the config dir.
func (s *Store) Dir() string { return s.dir }

// ProfilesDir is where the profile files are.
func (s *Store) ProfilesDir() string { return filepath.Join(s.dir, "profiles") }

func (s *Store) lockPath() string { return filepath.Join(s.ProfilesDir(), ".lock") }

// Summary is one line of List.
type Summary struct {
	Name      string          `json:"name"`
	Format    string          `json:"format"` // json | toml
	Type      string          `json:"type,omitempty"`
	Policy    string          `json:"policy,omitempty"`
	Buckets   []BucketSummary `json:"buckets,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
	Valid     bool            `json:"valid"`
	Error     string          `json:"error,omitempty"`
	IsDefault bool            `json:"is_default,omitempty"`
}

// BucketSummary is one bucket of a listed profile. For a "type":
// "loadbalancer" member, Note is "profile NAME".
type BucketSummary struct {
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	Note     string `json:"note,omitempty"`
}

// files returns the existing files for name, keyed by format.
func (s *Store) files(name string) map[string]string {
	out := map[string]string{}
	for _, f := range []string{FormatJSON, FormatTOML} {
		p := filepath.Join(s.ProfilesDir(), name+"."+f)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			out[f] = p
		}
	}
	return out
}

// Path returns the file holding profile name, for messages ("edit
// ~/.llxprt/profiles/ha.json"); ErrNotFound when there is none.
func (s *Store) Path(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	files := s.files(name)
	switch len(files) {
	case 0:
		return "", fmt.Errorf("profile: %w %q in %s", ErrNotFound, name, s.ProfilesDir())
	case 2:
		return "", bothError(name)
	}
	return files[FormatJSON] + files[FormatTOML], nil
}

func bothError(name string) error {
	return fmt.Errorf("profile: both %s.json and %s.toml exist: delete or rename one of them", name, name)
}

// Load reads the profile name (NAME.json or NAME.toml). The name is checked
// before any file is touched; having both files is an error saying so.
func (s *Store) Load(name string) (*Profile, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	files := s.files(name)
	switch len(files) {
	case 0:
		return nil, fmt.Errorf("profile: %w %q in %s: run `llxprt-ls profile list` to see the saved ones", ErrNotFound, name, s.ProfilesDir())
	case 2:
		return nil, bothError(name)
	}
	path := files[FormatJSON] + files[FormatTOML] // exactly one is set
	data, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	return Parse(data, path)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxProfileSize+1))
}

// List returns every profile, sorted by name. A file that does not parse is
// listed with Valid false and its first error, so one broken file never
// hides the others. A missing profiles directory is an empty list.
func (s *Store) List() ([]Summary, error) {
	entries, err := os.ReadDir(s.ProfilesDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	def, _ := s.Default()
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		name, ok := profileName(e.Name())
		if ok && !e.IsDir() && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]Summary, 0, len(names))
	for _, name := range names {
		out = append(out, s.summary(name, def))
	}
	return out, nil
}

// profileName returns NAME for a valid NAME.json or NAME.toml file name.
func profileName(file string) (string, bool) {
	ext := filepath.Ext(file)
	if ext != ".json" && ext != ".toml" {
		return "", false
	}
	name := strings.TrimSuffix(file, ext)
	return name, ValidName(name) == nil
}

func (s *Store) summary(name, def string) Summary {
	sum := Summary{Name: name, IsDefault: name == def}
	files := s.files(name)
	for f := range files {
		sum.Format = f
	}
	p, err := s.Load(name)
	if err != nil {
		sum.Error = err.Error()
		return sum
	}
	out := p.Summary(name)
	out.IsDefault = name == def
	return out
}

// Summary describes p as a line of List under name: its kind, policy,
// buckets and notes. It is how a profile that is not saved (an inline
// --profile, the demo's) is listed beside the saved ones.
func (p *Profile) Summary(name string) Summary {
	sum := Summary{Name: name, Valid: true, Format: p.Format, Type: p.Kind(), Policy: p.policy()}
	for _, b := range p.Buckets() {
		sum.Buckets = append(sum.Buckets, BucketSummary{Provider: b.Provider, Model: b.Model, Note: b.Note})
		if b.Note != "" {
			sum.Notes = append(sum.Notes, b.Note)
		}
	}
	for _, m := range p.Profiles {
		sum.Buckets = append(sum.Buckets, BucketSummary{Note: "profile " + m})
	}
	return sum
}

// policy is the profile's balancing policy as written, "failover" for a
// single provider.
func (p *Profile) policy() string {
	switch {
	case p.LB != nil:
		return orDefault(p.LB.Type, "failover")
	case p.Kind() == KindLoadBalancer:
		return p.Policy
	case p.LoadBalancer != nil:
		return orDefault(p.LoadBalancer.Strategy, "round-robin")
	}
	return "failover"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Save writes p as profiles/NAME.json or NAME.toml. format is "json",
// "toml", or "" to keep the existing file's format (json for a new
// profile). Saving in the other format replaces the old file. The write is
// atomic, under the store's lock, and the file is created 0600.
func (s *Store) Save(name string, p *Profile, format string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if p == nil || p.doc == nil {
		return errors.New("profile: nothing to save")
	}
	return withLock(s.lockPath(), func() error {
		f, err := s.formatFor(name, format)
		if err != nil {
			return err
		}
		data, err := p.Encode(f)
		if err != nil {
			return err
		}
		return s.replace(name, f, data)
	})
}

// formatFor picks the format to save name in; call it under the lock.
func (s *Store) formatFor(name, format string) (string, error) {
	files := s.files(name)
	if len(files) == 2 {
		return "", bothError(name)
	}
	switch strings.ToLower(format) {
	case FormatJSON, FormatTOML:
		return strings.ToLower(format), nil
	case "":
		for f := range files {
			return f, nil
		}
		return FormatJSON, nil
	}
	return "", fmt.Errorf("profile: unknown format %q: use json or toml", format)
}

// replace writes NAME.format and removes the other format's file; call it
// under the lock.
func (s *Store) replace(name, format string, data []byte) error {
	dir := s.ProfilesDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	base := name + "." + format
	atomicfile.CleanTemps(dir, base)
	if err := atomicfile.Write(filepath.Join(dir, base), data, 0o600, true); err != nil {
		return fmt.Errorf("profile: save %s: %w", base, err)
	}
	other := FormatTOML
	if format == FormatTOML {
		other = FormatJSON
	}
	if err := os.Remove(filepath.Join(dir, name+"."+other)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("profile: saved %s but could not remove %s.%s: %w", base, name, other, err)
	}
	return nil
}

// SaveRaw validates data (JSON or TOML, sniffed) as a profile and saves it
// as name in that format, byte for byte, so comments and layout survive.
func (s *Store) SaveRaw(name string, data []byte) error {
	if err := ValidName(name); err != nil {
		return err
	}
	p, err := Parse(data, "")
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.File = name + "." + sniff(data)
		}
		return err
	}
	if _, err := settingsOf(p); err != nil {
		return &Error{File: name + "." + p.Format, Path: "ephemeralSettings", Msg: err.Error()}
	}
	return withLock(s.lockPath(), func() error {
		if len(s.files(name)) == 2 {
			return bothError(name)
		}
		return s.replace(name, p.Format, data)
	})
}

// Delete removes the profile name; when it was the default, the default is
// cleared in the same locked step.
func (s *Store) Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	return withLock(s.lockPath(), func() error {
		files := s.files(name)
		if len(files) == 0 {
			return fmt.Errorf("profile: %w %q in %s", ErrNotFound, name, s.ProfilesDir())
		}
		for _, path := range files {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("profile: %w", err)
			}
		}
		return s.editDefault(func(cur string) string {
			if cur == name {
				return ""
			}
			return cur
		})
	})
}

//go:embed testdata/recipe/high-availability.json testdata/recipe/cost-optimized.json testdata/recipe/capability-optimized.json
var recipes embed.FS

// Init writes the recipe's three profiles (high-availability,
// cost-optimized, capability-optimized) as starting points, skipping any
// name that already exists in either format. It returns the names created.
// When no default profile is set, high-availability becomes the default, so
// the next command (status, chat, an editor starting the server) has a
// profile to run without another step; a default already set is kept.
func (s *Store) Init() (created []string, err error) {
	err = withLock(s.lockPath(), func() error {
		for _, name := range []string{"high-availability", "cost-optimized", "capability-optimized"} {
			if len(s.files(name)) > 0 {
				continue
			}
			data, err := recipes.ReadFile("testdata/recipe/" + name + ".json")
			if err != nil {
				return fmt.Errorf("profile: %w", err)
			}
			if err := s.replace(name, FormatJSON, data); err != nil {
				return err
			}
			created = append(created, name)
		}
		return s.editDefault(func(cur string) string {
			if cur == "" {
				return "high-availability"
			}
			return cur
		})
	})
	return created, err
}
