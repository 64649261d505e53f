package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// sessionIDPattern is what a session id may look like: it becomes a file
// name, so no separators, no leading dot, bounded length.
var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// ValidSessionID reports whether id may name a session.
func ValidSessionID(id string) bool { return sessionIDPattern.MatchString(id) }

// newSessionID returns a fresh random id (128 bits, hex).
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// turn is one exchange of a conversation, persisted as one JSON line.
type turn struct {
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	Assistant string    `json:"assistant"`
	Provider  string    `json:"provider,omitempty"`
	Model     string    `json:"model,omitempty"`
	Bucket    string    `json:"bucket,omitempty"`
}

// session is one conversation. mu serializes requests on it, so two prompts
// sent at once to the same session are answered one after the other, each
// seeing the other's turn.
type session struct {
	mu sync.Mutex
	// turns holds at most max of the newest turns; total counts every turn
	// ever read or written, so total-len(turns) turns were dropped.
	turns []turn
	total int
	// offset is how far the file has been read: turns appended by another
	// process (another editor, an MCP client) are picked up from there.
	offset int64
	// refs counts the requests holding or waiting for the session; it is
	// guarded by sessions.mu, not mu.
	refs int
}

// maxCached is how many idle sessions stay in memory when they are also on
// disk; beyond it an idle one is dropped when its request ends and read
// back from its file when it is used again.
const maxCached = 256

// sessions keeps conversations in memory and on disk under dir, one file
// <id>.jsonl per session. Each turn is appended with one write(2) of one
// complete line on an O_APPEND descriptor, so concurrent processes never
// interleave inside a line and a crash can tear at most the last line, which
// is ignored on load and ended before the next turn is appended. The fsync runs after the reply (see append).
type sessions struct {
	dir string // "" keeps sessions in memory only
	max int

	// bg tracks the work append leaves running (fsyncs, spare files);
	// close waits for it.
	bg     sync.WaitGroup
	spares spares

	mu   sync.Mutex
	byID map[string]*session
}

// close removes the spare file and waits until every fsync started by
// append has finished.
func (ss *sessions) close() {
	ss.spares.close()
	ss.bg.Wait()
}

func newSessions(dir string, max int) *sessions {
	ss := &sessions{dir: dir, max: max, byID: map[string]*session{}}
	ss.spares = spares{dir: dir, bg: &ss.bg}
	return ss
}

// acquire returns the session with id locked (creating it when new) and
// refreshed from disk. The caller must call release.
func (ss *sessions) acquire(id string) (*session, error) {
	if !ValidSessionID(id) {
		return nil, &InputError{Field: "sessionId", Msg: fmt.Sprintf("%q: want 1-128 letters, digits, '-' or '_', starting with a letter or digit", shorten(id, 40))}
	}
	ss.mu.Lock()
	s, ok := ss.byID[id]
	if !ok {
		s = &session{}
		ss.byID[id] = s
	}
	s.refs++
	ss.mu.Unlock()
	s.mu.Lock()
	if err := ss.refresh(id, s); err != nil {
		ss.release(id, s)
		return nil, err
	}
	return s, nil
}

// release unlocks a session and, when too many are cached, forgets it if
// nobody else holds or waits for it (its file has everything).
func (ss *sessions) release(id string, s *session) {
	s.mu.Unlock()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.refs--
	if s.refs == 0 && ss.dir != "" && len(ss.byID) > maxCached {
		delete(ss.byID, id)
	}
}

// cached reports how many sessions are in memory (tests).
func (ss *sessions) cached() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byID)
}

func (ss *sessions) path(id string) string { return filepath.Join(ss.dir, id+".jsonl") }

// refresh reads the lines appended to the session's file since the last
// read. A last line without its newline is a write in progress or torn by a
// crash: it is left for the next read.
//
// A file whose size is still the offset has nothing new, and is not opened:
// a stat is one system call where opening and reading is five, and on a
// chat's path every one of them shows (bench/README.md).
func (ss *sessions) refresh(id string, s *session) error {
	if ss.dir == "" {
		return nil
	}
	fi, err := os.Stat(ss.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && fi.Size() == s.offset {
		return nil
	}
	f, err := os.Open(ss.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("server: open session %s: %w", id, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < s.offset {
		// Truncated or replaced behind our back: read it again from the top.
		s.turns, s.total, s.offset = nil, 0, 0
	}
	if _, err := f.Seek(s.offset, io.SeekStart); err != nil {
		return fmt.Errorf("server: read session %s: %w", id, err)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil // a partial line stays unread
			}
			return fmt.Errorf("server: read session %s: %w", id, err)
		}
		s.offset += int64(len(line))
		var t turn
		if json.Unmarshal(bytes.TrimSpace(line), &t) != nil {
			continue // a corrupt line loses one turn, never the session
		}
		ss.add(s, t)
	}
}

func (ss *sessions) add(s *session, t turn) {
	s.turns = append(s.turns, t)
	s.total++
	if over := len(s.turns) - ss.max; ss.max > 0 && over > 0 {
		s.turns = append(s.turns[:0:0], s.turns[over:]...)
	}
}

// append records a finished turn: on disk first, then in memory.
func (ss *sessions) append(id string, s *session, t turn) error {
	if ss.dir == "" {
		ss.add(s, t)
		return nil
	}
	line, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("server: encode turn: %w", err)
	}
	line = append(line, '\n')
	f, err := ss.openAppend(id)
	if err != nil {
		return err
	}
	before, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("server: save session %s: %w", id, err)
	}
	// The file ends where the last refresh stopped, on a line's end, unless
	// another process appended since or a crash tore the last line.
	ours := before.Size() == s.offset
	if !ours && tornTail(f, before.Size()) {
		// A crash tore the last line: end it, or this turn would be
		// glued to it and lost with it.
		line = append([]byte{'\n'}, line...)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("server: save session %s: %w", id, err)
	}
	after, err := f.Stat()
	// Once written, the line is in the kernel: other processes read it
	// and a crash of this one loses nothing. The fsync only guards
	// against the machine losing power and costs about 1 ms, most of a
	// chat's overhead over stdio (bench/README.md), so it runs off the
	// reply path; Service.Close waits for it.
	ss.bg.Go(func() {
		_ = f.Sync()
		_ = f.Close()
	})
	if ours && err == nil && after.Size() == before.Size()+int64(len(line)) {
		// Nobody else wrote before or after us: the file is what memory
		// holds plus this line, so there is nothing to read back.
		s.offset = after.Size()
		ss.add(s, t)
		return nil
	}
	// Pick up our own line and whatever another process wrote around it.
	return ss.refresh(id, s)
}

// openAppend opens a session's file for appending. A new session's file is
// a spare linked into place (see spares), else created here, with the
// sessions directory the first time.
func (ss *sessions) openAppend(id string) (*os.File, error) {
	const flags = os.O_RDWR | os.O_APPEND
	path := ss.path(id)
	f, err := os.OpenFile(path, flags, 0)
	if errors.Is(err, os.ErrNotExist) {
		var ok bool
		if f, ok = ss.spares.open(path, flags); ok {
			return f, nil
		}
		f, err = os.OpenFile(path, flags|os.O_CREATE, 0o600)
	}
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(ss.dir, 0o700); err != nil {
			return nil, fmt.Errorf("server: sessions dir: %w", err)
		}
		f, err = os.OpenFile(path, flags|os.O_CREATE, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("server: open session %s: %w", id, err)
	}
	return f, nil
}

// tornTail reports whether f ends inside a line. Every writer appends a
// whole line with one write, so that is a line torn by a crash.
func tornTail(f *os.File, size int64) bool {
	if size == 0 {
		return false
	}
	var last [1]byte
	_, err := f.ReadAt(last[:], size-1)
	return err == nil && last[0] != '\n'
}

// messages turns the kept history plus the new prompt into a request's
// messages; dropped says how many earlier turns the model will not see.
func (ss *sessions) messages(s *session, prompt string) (msgs []providers.Message, dropped int) {
	msgs = make([]providers.Message, 0, 2*len(s.turns)+1)
	for _, t := range s.turns {
		msgs = append(msgs,
			providers.Message{Role: providers.RoleUser, Content: t.User},
			providers.Message{Role: providers.RoleAssistant, Content: t.Assistant})
	}
	msgs = append(msgs, providers.Message{Role: providers.RoleUser, Content: prompt})
	return msgs, s.total - len(s.turns)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
