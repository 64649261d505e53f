package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/llxprt/llxprt-ls/internal/atomicfile"
)

// settingsPath is LLxprt Code's settings file, which holds defaultProfile.
func (s *Store) settingsPath() string { return filepath.Join(s.dir, "settings.json") }

// readSettings returns settings.json as an ordered object (empty when the
// file does not exist). LLxprt Code allows // and /* */ comments there, so
// they are accepted; saving drops them.
func (s *Store) readSettings() (*object, os.FileMode, error) {
	data, err := os.ReadFile(s.settingsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return newObject(), 0o600, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("profile: %w", err)
	}
	perm := os.FileMode(0o600)
	if st, err := os.Stat(s.settingsPath()); err == nil {
		perm = st.Mode().Perm()
	}
	o, err := decodeJSON(stripComments(data))
	if err != nil {
		return nil, 0, fmt.Errorf("profile: settings.json: %v", err)
	}
	return o, perm, nil
}

// Default returns settings.json's "defaultProfile", "" when none is set.
func (s *Store) Default() (string, error) {
	o, _, err := s.readSettings()
	if err != nil {
		return "", err
	}
	v, _ := o.get("defaultProfile")
	name, _ := v.(string)
	return name, nil
}

// SetDefault makes name the default profile, keeping every other key of
// settings.json. The profile must exist; "" clears the default. The check
// and the write happen under the profiles lock, so a Delete in another
// process cannot land between them and leave the default naming a profile
// that is gone.
func (s *Store) SetDefault(name string) error {
	if name == "" {
		return s.editDefault(func(string) string { return "" })
	}
	if err := ValidName(name); err != nil {
		return err
	}
	return withLock(s.lockPath(), func() error {
		if len(s.files(name)) == 0 {
			return fmt.Errorf("profile: %w %q in %s: save it first", ErrNotFound, name, s.ProfilesDir())
		}
		return s.editDefault(func(string) string { return name })
	})
}

// editDefault replaces defaultProfile with next(current) under the settings
// lock, reading and writing in one step so a concurrent edit is not undone;
// settings.json is not rewritten when the value stays the same. Callers that
// also hold the profiles lock take it first, always in that order.
func (s *Store) editDefault(next func(current string) string) error {
	return withLock(filepath.Join(s.dir, ".settings.lock"), func() error {
		o, perm, err := s.readSettings()
		if err != nil {
			return err
		}
		v, _ := o.get("defaultProfile")
		cur, _ := v.(string)
		name := next(cur)
		if name == cur {
			return nil
		}
		if name == "" {
			o.del("defaultProfile")
		} else {
			o.set("defaultProfile", name)
		}
		data, err := encodeJSON(o)
		if err != nil {
			return fmt.Errorf("profile: settings.json: %w", err)
		}
		if err := atomicfile.Write(s.settingsPath(), data, perm, true); err != nil {
			return fmt.Errorf("profile: save settings.json: %w", err)
		}
		return nil
	})
}

// DecodeSettings decodes a settings.json document into v the way LLxprt
// Code reads it, // and /* */ comments allowed, so every reader of the file
// accepts what the others do.
func DecodeSettings(data []byte, v any) error {
	return json.Unmarshal(stripComments(data), v)
}

// stripComments blanks // and /* */ comments outside strings, keeping
// offsets (and so error positions) unchanged.
func stripComments(data []byte) []byte {
	out := append([]byte(nil), data...)
	inStr, esc := false, false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for i < len(out) && out[i] != '\n' {
				out[i] = ' '
				i++
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			i += 2
			for i < len(out) && !(out[i] == '*' && i+1 < len(out) && out[i+1] == '/') {
				if out[i] != '\n' {
					out[i] = ' '
				}
				i++
			}
			if i < len(out) {
				out[i], out[i+1] = ' ', ' '
				i++
			}
		}
	}
	return out
}
