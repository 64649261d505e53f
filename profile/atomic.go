package profile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// withLock runs f holding an exclusive lock on lockPath (a file next to what
// is being written). The lock is an flock, so it serialises the servers of
// every editor window and is released by the kernel if one of them dies.
func withLock(lockPath string, f func() error) error {
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	l := flock.New(lockPath, flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		return fmt.Errorf("profile: lock %s: %w", lockPath, err)
	}
	defer l.Unlock()
	return f()
}
