package server

import (
	"fmt"
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
