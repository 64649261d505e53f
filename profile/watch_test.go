package profile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func waitName(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-ch:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no change reported for %q", want)
		}
	}
}

func TestWatch(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := newStore(t)
	s.Debounce = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	changes := make(chan string, 64)
	done := make(chan error, 1)
	ready := make(chan struct{})
	s.watching = func() { close(ready) }
	go func() { done <- s.Watch(ctx, func(name string) { changes <- name }) }()
	<-ready
	if err := s.Save("alpha", mustParse(t, "standard.json"), ""); err != nil {
		t.Fatal(err)
	}
	waitName(t, changes, "alpha")

	// A broken edit is reported; Load gives the parse error to show.
	if err := os.WriteFile(filepath.Join(s.ProfilesDir(), "alpha.json"), []byte(`{"provider": "antropic"`), 0o600); err != nil {
		t.Fatal(err)
	}
	waitName(t, changes, "alpha")
	var pe *Error
	if _, err := s.Load("alpha"); !errors.As(err, &pe) {
		t.Errorf("Load after broken edit = %v", err)
	}
	// An editor saving by rename, and a delete.
	tmp := filepath.Join(s.ProfilesDir(), ".beta.swp")
	if err := os.WriteFile(tmp, readTestdata(t, "high-availability.toml"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(s.ProfilesDir(), "beta.toml")); err != nil {
		t.Fatal(err)
	}
	waitName(t, changes, "beta")
	if err := s.Delete("beta"); err != nil {
		t.Fatal(err)
	}
	waitName(t, changes, "beta")
	if _, err := s.Load("beta"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after delete = %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch returned %v", err)
	}
}
