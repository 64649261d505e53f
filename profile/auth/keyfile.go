package auth

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// maxKeyfile bounds what ReadKeyfile reads: a key is a line, not a file.
const maxKeyfile = 64 << 10

// ExpandHome turns a leading "~" or "~/" into home.
func ExpandHome(path, home string) string {
	if path == "~" {
		return home
	}
	if strings.HasPrefix(path, "~/") || strings.HasPrefix(path, `~\`) {
		return filepath.Join(home, path[2:])
	}
	return path
}

// ReadKeyfile reads a key from path ("~" expanded against home), trimming
// surrounding whitespace and the trailing newline `echo` leaves. Like ssh
// with private keys, it refuses a file that group or others can read, and
// says how to fix it. Errors name the path as written, never the content.
func ReadKeyfile(path, home string) (string, error) {
	full := ExpandHome(path, home)
	f, err := os.Open(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("auth: keyfile %s does not exist: create it (`echo KEY > %s; chmod 600 %s`) or fix auth-keyfile", path, path, path)
		}
		return "", fmt.Errorf("auth: keyfile %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("auth: keyfile %s: %w", path, err)
	}
	if st.IsDir() {
		return "", fmt.Errorf("auth: keyfile %s is a directory: point auth-keyfile at the file holding the key", path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("auth: keyfile %s is readable by others (mode %04o): run `chmod 600 %s`", path, st.Mode().Perm(), full)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyfile+1))
	if err != nil {
		return "", fmt.Errorf("auth: keyfile %s: %w", path, err)
	}
	if len(b) > maxKeyfile {
		return "", fmt.Errorf("auth: keyfile %s is larger than %d bytes: it should hold only the key", path, maxKeyfile)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("auth: keyfile %s is empty: write the key into it", path)
	}
	if strings.ContainsAny(key, "\r\n") {
		return "", fmt.Errorf("auth: keyfile %s holds more than one line: it should hold only the key", path)
	}
	return key, nil
}
