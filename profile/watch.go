package profile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch calls onChange(name) when profile name is created, changed, renamed
// or removed on disk, once per burst of writes (see [Store.Debounce]). It
// watches the profiles directory, so editors that save by rename are seen
// too, and creates the directory when missing. onChange runs on Watch's
// goroutine; it should call [Store.Load], which returns the parse error of a
// broken edit (keep the old balancer and report it) or ErrNotFound for a
// deleted profile. Watch returns nil when ctx is done.
func (s *Store) Watch(ctx context.Context, onChange func(name string)) error {
	dir := s.ProfilesDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("profile: watch: %w", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("profile: watch: %w", err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("profile: watch %s: %w", dir, err)
	}
	if s.watching != nil {
		s.watching()
	}
	debounce := s.Debounce
	if debounce <= 0 {
		debounce = 100 * time.Millisecond
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	pending := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if name, ok := profileName(filepath.Base(ev.Name)); ok && ev.Op != fsnotify.Chmod {
				pending[name] = true
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: report every profile so nothing is missed.
				for _, name := range s.names() {
					pending[name] = true
				}
				timer.Reset(debounce)
			}
		case <-timer.C:
			names := make([]string, 0, len(pending))
			for n := range pending {
				names = append(names, n)
			}
			clear(pending)
			slices.Sort(names)
			for _, n := range names {
				if ctx.Err() != nil {
					return nil
				}
				onChange(n)
			}
		}
	}
}

// names lists the profile names on disk, valid or not.
func (s *Store) names() []string {
	entries, _ := os.ReadDir(s.ProfilesDir())
	var out []string
	for _, e := range entries {
		if n, ok := profileName(e.Name()); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
