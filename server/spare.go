package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// spares makes a new session's file cheap. Creating a file is the costliest
// step of a new chat's first append (about 170 µs on the ext4 of our
// machines, where linking a name to an existing file takes 10 µs), so one
// empty file is created ahead of need, off the request path, and linked into
// place when a new session wants its file. A link, unlike a rename, fails
// when the name exists, so a session file another process created at the
// same moment is never replaced.
//
// Spares are named .spare-<random> in the sessions directory; nothing else
// reads those names. A process that dies leaves at most one behind, and the
// first refill of every process removes spares older than spareMaxAge.
type spares struct {
	dir string
	bg  *sync.WaitGroup // the sessions' background work, which Close waits for

	// mu guards the fields below.
	mu     sync.Mutex
	path   string // a ready spare; "" when none
	making bool   // a refill is running
	swept  bool   // this process has removed stale spares
	closed bool
}

const (
	sparePrefix = ".spare-"
	spareMaxAge = time.Hour
)

// open links a spare to path and opens it with flags. ok is false when no
// spare could be used; the caller then creates the file itself. Either way
// a new spare is made for the next session.
func (sp *spares) open(path string, flags int) (f *os.File, ok bool) {
	sp.mu.Lock()
	spare := sp.path
	sp.path = ""
	sp.mu.Unlock()
	defer sp.refill()
	if spare == "" {
		return nil, false
	}
	if err := os.Link(spare, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			sp.put(spare) // the session's file exists after all; the spare stays good
		}
		// Otherwise the spare is gone (another process swept it): forget it.
		return nil, false
	}
	sp.bg.Go(func() { _ = os.Remove(spare) })
	f, err := os.OpenFile(path, flags, 0o600)
	return f, err == nil
}

// put gives back a spare that was not used.
func (sp *spares) put(spare string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.path == "" && !sp.closed {
		sp.path = spare
		return
	}
	_ = os.Remove(spare)
}

// refill creates the next spare in the background unless one is ready or
// being made.
func (sp *spares) refill() {
	sp.mu.Lock()
	if sp.path != "" || sp.making || sp.closed {
		sp.mu.Unlock()
		return
	}
	sp.making = true
	sweep := !sp.swept
	sp.swept = true
	sp.mu.Unlock()
	sp.bg.Go(func() {
		if sweep {
			sp.sweep()
		}
		path, err := sp.create()
		sp.mu.Lock()
		defer sp.mu.Unlock()
		sp.making = false
		switch {
		case err != nil:
		case sp.closed:
			_ = os.Remove(path)
		default:
			sp.path = path
		}
	})
}

func (sp *spares) create() (string, error) {
	if err := os.MkdirAll(sp.dir, 0o700); err != nil {
		return "", err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	path := filepath.Join(sp.dir, sparePrefix+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	return path, f.Close()
}

// sweep removes the spares that processes which died left behind. A live
// process whose spare is removed finds out at its next link and creates
// that file itself.
func (sp *spares) sweep() {
	entries, err := os.ReadDir(sp.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), sparePrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > spareMaxAge {
			_ = os.Remove(filepath.Join(sp.dir, e.Name()))
		}
	}
}

// close removes the ready spare and makes no more; the caller then waits
// for the background work.
func (sp *spares) close() {
	sp.mu.Lock()
	sp.closed = true
	spare := sp.path
	sp.path = ""
	sp.mu.Unlock()
	if spare != "" {
		_ = os.Remove(spare)
	}
}
