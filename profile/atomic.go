package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"
)

// writeAtomic replaces path with data so that a reader (or a crash at any
// moment) sees the old file or the new one, never a mix: a temp file in the
// same directory, fsync, rename, fsync of the directory.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}

// writeFile is writeAtomic; durable=false skips the fsyncs, for state that
// may be lost on power failure (a torn write is still impossible: the
// rename is atomic) but is written on a request's failure path, where an
// fsync on a busy disk would add tens of milliseconds.
func writeFile(path string, data []byte, perm os.FileMode, durable bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if durable {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if !durable {
		return nil
	}
	return syncDir(dir)
}

// syncDir makes a rename durable. Some filesystems refuse to fsync a
// directory; that costs durability on power loss, not atomicity.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// cleanTemps removes temp files a killed writer left behind for base. Call
// it with the directory lock held, when no one else is writing them.
func cleanTemps(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), "."+base+".tmp-") {
			os.Remove(m)
		}
	}
}

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
