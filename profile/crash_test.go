package profile

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The crash tests re-run this test binary as a child process that saves in
// a loop (childEnv selects what it does).
const childEnv = "LLXPRT_PROFILE_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := runChild(mode, os.Getenv("CHILD_DIR"), os.Getenv("CHILD_NAME")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bigProfile returns a valid profile of many buckets, tagged so the old and
// new versions differ everywhere; it is large enough that a write takes a
// while and a kill lands in the middle of one.
func bigProfile(tag string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"version": 1, "provider": "lb", "model": "` + tag + `", "ephemeralSettings": {"lb": {"type": "failover", "buckets": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"provider": "openai", "model": "%s-%d", "note": "%s"}`, tag, i, strings.Repeat(tag, 20))
	}
	b.WriteString("]}}}")
	return []byte(b.String())
}

func runChild(mode, dir, name string) error {
	s := OpenStore(dir)
	switch mode {
	case "saveloop":
		versions := []*Profile{}
		for _, tag := range []string{"old", "new"} {
			p, err := Parse(bigProfile(tag, 2000), "x.json")
			if err != nil {
				return err
			}
			versions = append(versions, p)
		}
		w := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			if err := s.Save(name, versions[i%2], ""); err != nil {
				return err
			}
			fmt.Fprintf(w, "saved %d\n", i)
			w.Flush()
		}
	case "savemany":
		for i := range 25 {
			p, err := Parse(bigProfile(fmt.Sprintf("%s%d", name, i), 50), "x.json")
			if err != nil {
				return err
			}
			if err := s.Save(fmt.Sprintf("%s-%d", name, i), p, ""); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown child mode %q", mode)
}

func child(t *testing.T, mode, dir, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "CHILD_DIR="+dir, "CHILD_NAME="+name)
	cmd.Stderr = os.Stderr
	return cmd
}

// A writer killed with SIGKILL at any point leaves the old file or the new
// one, never a torn mix.
func TestSaveSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	s := OpenStore(dir)
	want := map[string]bool{}
	for _, tag := range []string{"old", "new"} {
		p, err := Parse(bigProfile(tag, 2000), "x.json")
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := p.Encode(FormatJSON)
		want[string(enc)] = true
	}
	for round, after := range []int{1, 2, 3, 5, 8, 13} {
		cmd := child(t, "saveloop", dir, "ha")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for seen := 0; seen < after && sc.Scan(); {
			if strings.HasPrefix(sc.Text(), "saved ") {
				seen++
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child was not killed: %v", round, err)
		}
		data, err := os.ReadFile(s.ProfilesDir() + "/ha.json")
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !want[string(data)] {
			t.Fatalf("round %d: torn file (%d bytes)", round, len(data))
		}
		if _, err := s.Load("ha"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	// The next save cleans up temp files a killed writer left.
	p, _ := s.Load("ha")
	if err := s.Save("ha", p, ""); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(s.ProfilesDir())
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left after a clean save: %s", e.Name())
		}
	}
}

// Two processes saving different profiles at once lose neither.
func TestConcurrentProcessesSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	a, b := child(t, "savemany", dir, "alpha"), child(t, "savemany", dir, "beta")
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	list, err := OpenStore(dir).List()
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, n := range []string{"alpha", "beta"} {
		for i := range 25 {
			want = append(want, n+"-"+strconv.Itoa(i))
		}
	}
	for _, s := range list {
		if !s.Valid {
			t.Errorf("%s: %s", s.Name, s.Error)
		}
		got = append(got, s.Name)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
}
