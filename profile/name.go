package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ErrInvalidName is the cause of every name refusal.
var ErrInvalidName = errors.New("invalid profile name")

// ValidName refuses a profile name that could escape the profiles directory
// or confuse a shell: names are 1–64 letters, digits, '.', '_' and '-',
// starting with a letter or digit ("../x", "/etc/passwd" and "" are refused
// before any file is touched).
func ValidName(name string) error {
	if !validName.MatchString(name) || strings.Contains(name, "..") {
		shown := name
		if len(shown) > 70 {
			shown = shown[:70] + "…"
		}
		return fmt.Errorf("profile: %w %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. high-availability)", ErrInvalidName, shown)
	}
	return nil
}

// ConfigDir returns the configuration directory: flag (--config-dir) when
// set, else $LLXPRT_HOME, else ~/.llxprt (where LLxprt Code keeps its
// profiles, so both tools share them). The result is absolute.
func ConfigDir(flag string) (string, error) {
	return configDir(flag, os.Getenv, os.UserHomeDir)
}

func configDir(flag string, env func(string) string, home func() (string, error)) (string, error) {
	dir := flag
	if dir == "" {
		dir = env("LLXPRT_HOME")
	}
	if dir == "" {
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("profile: no home directory (%v): pass --config-dir or set LLXPRT_HOME", err)
		}
		dir = filepath.Join(h, ".llxprt")
	}
	if strings.HasPrefix(dir, "~/") || dir == "~" {
		h, err := home()
		if err != nil {
			return "", fmt.Errorf("profile: cannot expand %s: %v", dir, err)
		}
		dir = filepath.Join(h, strings.TrimPrefix(dir, "~"))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("profile: config dir %s: %w", dir, err)
	}
	return abs, nil
}
