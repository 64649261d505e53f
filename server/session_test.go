package server

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestIdleSessionsAreForgottenButKeptOnDisk(t *testing.T) {
	ss := newSessions(t.TempDir(), 10)
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
	a.wait()
	b.wait()
}
