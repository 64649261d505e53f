package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIdleSessionsAreForgottenButKeptOnDisk(t *testing.T) {
	ss := newSessions(t.TempDir(), 10)
	defer ss.close()
	for i := range maxCached + 20 {
		id := fmt.Sprintf("s%d", i)
		s, err := ss.acquire(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := ss.append(id, s, turn{User: "q", Assistant: "a"}); err != nil {
			t.Fatal(err)
		}
		ss.release(id, s)
	}
	if n := ss.cached(); n > maxCached+1 {
		t.Errorf("%d sessions cached, want at most %d", n, maxCached+1)
	}
	s, err := ss.acquire("s0")
	if err != nil {
		t.Fatal(err)
	}
	defer ss.release("s0", s)
	if len(s.turns) != 1 || s.turns[0].User != "q" {
		t.Errorf("forgotten session not read back: %+v", s.turns)
	}
}

func TestMemoryOnlySessionsAreNeverForgotten(t *testing.T) {
	ss := newSessions("", 10)
	for i := range maxCached + 5 {
		id := fmt.Sprintf("m%d", i)
		s, err := ss.acquire(id)
		if err != nil {
			t.Fatal(err)
		}
		ss.release(id, s)
	}
	if n := ss.cached(); n != maxCached+5 {
		t.Errorf("cached = %d", n)
	}
}

// TestSessionsSharedByTwoProcesses interleaves two session stores on one
// directory, as two editor windows do, and checks that each one's next
// request sees every turn in order: the append that skips reading back its
// own line must notice the other's lines, and a line another process tore
// in a crash.
func TestSessionsSharedByTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	a, b := newSessions(dir, 0), newSessions(dir, 0)
	const id = "shared"
	say := func(ss *sessions, user string) []string {
		t.Helper()
		s, err := ss.acquire(id)
		if err != nil {
			t.Fatal(err)
		}
		defer ss.release(id, s)
		if err := ss.append(id, s, turn{User: user, Assistant: "ok"}); err != nil {
			t.Fatal(err)
		}
		var users []string
		for _, t := range s.turns {
			users = append(users, t.User)
		}
		return users
	}
	say(a, "a1")
	say(a, "a2")
	if got := say(b, "b1"); fmt.Sprint(got) != "[a1 a2 b1]" {
		t.Errorf("b after a's turns: %v", got)
	}
	if got := say(a, "a3"); fmt.Sprint(got) != "[a1 a2 b1 a3]" {
		t.Errorf("a after b's turn: %v", got)
	}
	// A third process crashed in the middle of writing its line.
	f, err := os.OpenFile(filepath.Join(dir, id+".jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"user":"torn`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got := say(a, "a4"); fmt.Sprint(got) != "[a1 a2 b1 a3 a4]" {
		t.Errorf("a after a torn line: %v", got)
	}
	if got := say(b, "b2"); fmt.Sprint(got) != "[a1 a2 b1 a3 a4 b2]" {
		t.Errorf("b at the end: %v", got)
	}
	a.close()
	b.close()
}

// sparesIn lists the spare files in dir.
func sparesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), sparePrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestNewSessionFilesComeFromSpares(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, sparePrefix+"left-by-a-dead-process")
	young := filepath.Join(dir, sparePrefix+"another-live-process")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, time.Now().Add(-2*spareMaxAge), time.Now().Add(-2*spareMaxAge)); err != nil {
		t.Fatal(err)
	}
	ss := newSessions(dir, 0)
	say := func(id string) {
		t.Helper()
		s, err := ss.acquire(id)
		if err != nil {
			t.Fatal(err)
		}
		defer ss.release(id, s)
		if err := ss.append(id, s, turn{User: id, Assistant: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	say("first") // no spare yet: created in place; the first refill sweeps and makes one
	ss.bg.Wait()
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a spare older than %v was not swept: %v", spareMaxAge, err)
	}
	mine := sparesIn(t, dir)
	if len(mine) != 2 || !slices.Contains(mine, filepath.Base(young)) {
		t.Fatalf("spares after the first session = %v, want the young one and ours", mine)
	}
	say("second") // linked from our spare
	ss.bg.Wait()
	if after := sparesIn(t, dir); len(after) != 2 || slices.Equal(after, mine) {
		t.Errorf("spares after the second session = %v (before %v): want ours used and a new one made", after, mine)
	}
	for _, id := range []string{"first", "second"} {
		b, err := os.ReadFile(ss.path(id))
		if err != nil || !strings.Contains(string(b), `"user":"`+id+`"`) {
			t.Errorf("%s.jsonl = %q, %v", id, b, err)
		}
	}
	// A name that exists is never replaced by a spare.
	if f, ok := ss.spares.open(ss.path("first"), os.O_RDWR|os.O_APPEND); ok {
		f.Close()
		t.Error("a spare was linked over an existing session file")
	}
	ss.close()
	if left := sparesIn(t, dir); len(left) != 1 || left[0] != filepath.Base(young) {
		t.Errorf("spares after close = %v, want only the other process's", left)
	}
}
