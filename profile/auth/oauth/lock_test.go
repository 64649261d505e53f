package oauth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The child half of TestRefreshTwoProcesses: when this variable is set the
// test binary is a child that waits for its stdin to close (the start
// signal), asks for the token once, prints it and exits.
const childEnv = "LLXPRT_OAUTH_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

func child(dir string) int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	s := NewStore(dir, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := s.Token(ctx, Qwen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(tok)
	return 0
}

// TestRefreshTwoProcesses starts two processes that need to refresh the same
// expired token at once. The fake server rotates refresh tokens, so without
// the file lock and the re-read after it the second refresh would be
// refused; with them, one process refreshes and the other reads its result.
func TestRefreshTwoProcesses(t *testing.T) {
	fake := newFake(t)
	dir := t.TempDir()
	s := NewStore(dir, Options{Env: fake.Env(nil)})
	a, r := fake.Issue()
	seed(t, s, Qwen, a, r, time.Now().Add(-time.Minute))

	env := os.Environ()
	for _, k := range []string{EnvQwenBase, EnvQwenClientID} {
		env = append(env, k+"="+fake.Env(nil)(k))
	}
	env = append(env, childEnv+"="+dir)
	type proc struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   bytes.Buffer
		err   bytes.Buffer
	}
	procs := make([]*proc, 2)
	for i := range procs {
		p := &proc{cmd: exec.CommandContext(t.Context(), os.Args[0])}
		p.cmd.Env = env
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.err
		var err error
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = p
	}
	for _, p := range procs { // both are running: let them go together
		p.stdin.Close()
	}
	var toks []string
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v: %s", i, err, p.err.String())
		}
		toks = append(toks, strings.TrimSpace(p.out.String()))
	}
	if toks[0] != toks[1] || toks[0] == a || !fake.Valid(toks[0]) {
		t.Errorf("children got different, old or unknown tokens (same=%v old=%v)", toks[0] == toks[1], toks[0] == a)
	}
	if n := fake.Refreshes(); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if stored, err := s.Load(Qwen); err != nil || stored.AccessToken != toks[0] {
		t.Errorf("stored token is not the one the children use (%v)", err)
	}
}

// TestRefreshManyStores is the in-process version with more contenders:
// eight stores on one directory, one refresh.
func TestRefreshManyStores(t *testing.T) {
	fake := newFake(t)
	dir := t.TempDir()
	a, r := fake.Issue()
	seed(t, NewStore(dir, Options{Env: fake.Env(nil)}), Qwen, a, r, time.Now().Add(-time.Minute))
	var wg sync.WaitGroup
	toks := make([]string, 8)
	errs := make([]error, 8)
	for i := range toks {
		s := NewStore(dir, Options{Env: fake.Env(nil)})
		wg.Go(func() { toks[i], errs[i] = s.Token(t.Context(), Qwen) })
	}
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Errorf("store %d: %v (same token %v)", i, errs[i], toks[i] == toks[0])
		}
	}
	if n := fake.Refreshes(); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
}
