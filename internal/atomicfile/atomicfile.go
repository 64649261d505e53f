// Package atomicfile replaces files so that a reader, or a crash at any
// moment, sees the old file or the new one and never a mix: profiles,
// settings, OAuth tokens and the shared health state are all written with
// [Write].
package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
)

// Write replaces path with data: a temp file in the same directory, then a
// rename. With durable set it also fsyncs the file and the directory, so the
// new content survives a power failure; without it (state written on a
// request's failure path, where an fsync on a busy disk would add tens of
// milliseconds) a torn write is still impossible, only the newest write may
// be lost. Temp files are named ".BASE.tmp-*" (see [CleanTemps]).
func Write(path string, data []byte, perm os.FileMode, durable bool) (err error) {
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
	if durable {
		syncDir(dir)
	}
	return nil
}

// syncDir makes a rename durable. Some filesystems refuse to fsync a
// directory; that costs durability on power loss, not atomicity.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}

// CleanTemps removes temp files a killed writer left behind for base. Call
// it holding the lock that serializes writers of base.
func CleanTemps(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), "."+base+".tmp-") {
			os.Remove(m)
		}
	}
}
