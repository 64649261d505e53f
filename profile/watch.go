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
	return watchDir(ctx, s.ProfilesDir(), s.Debounce, profileName, s.watching, onChange)
}

// WatchDir is [Store.Watch] for another directory of the config dir (the
// OAuth token files): onChange(name) runs once per burst of changes to a
// file whose base name nameOf accepts, on WatchDir's goroutine. debounce 0
// means 100ms. dir is created (0700) when missing. It returns nil when ctx
// is done.
func WatchDir(ctx context.Context, dir string, debounce time.Duration, nameOf func(file string) (string, bool), onChange func(name string)) error {
	return watchDir(ctx, dir, debounce, nameOf, nil, onChange)
}

// watchDir is Watch and WatchDir; ready, when set, is called once the
// watch is registered (tests).
func watchDir(ctx context.Context, dir string, debounce time.Duration, nameOf func(string) (string, bool), ready func(), onChange func(name string)) error {
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
	if ready != nil {
		ready()
	}
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
			if name, ok := nameOf(filepath.Base(ev.Name)); ok && ev.Op != fsnotify.Chmod {
				pending[name] = true
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: report every file so nothing is missed.
				for _, name := range names(dir, nameOf) {
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

// names lists the names of the files in dir that nameOf accepts.
func names(dir string, nameOf func(string) (string, bool)) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if n, ok := nameOf(e.Name()); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
