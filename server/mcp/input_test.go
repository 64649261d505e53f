package mcp

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestScreen(t *testing.T) {
	var out bytes.Buffer
	h := &handler{out: &lockedWriter{w: &out}, log: zerolog.Nop()}
	in := strings.Join([]string{
		`{"id":1,"method":"ok"}`,
		"{\"id\":2,\"method\":\"bad \xff\"}",
		"{\"method\":\"notification \xff\"}",
		`{"id":3,"method":"` + strings.Repeat("x", 200) + `"}`,
		`{"id":4,"method":"ok too"}`,
		`{"id":5,"method":"no newline at the end"}`,
	}, "\n")
	got, err := io.ReadAll(h.screen(strings.NewReader(in), 100))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"method":"ok"}` + "\n" + `{"id":4,"method":"ok too"}` + "\n" + `{"id":5,"method":"no newline at the end"}` + "\n"
	if string(got) != want {
		t.Errorf("passed through:\n%s\nwant:\n%s", got, want)
	}
	answers := out.String()
	for _, s := range []string{`"id":2`, "not valid UTF-8", `"id":3`, "larger than", "-32700"} {
		if !strings.Contains(answers, s) {
			t.Errorf("answers lack %q:\n%s", s, answers)
		}
	}
	if strings.Count(answers, "\n") != 2 {
		t.Errorf("want exactly two answers (the notification gets none):\n%s", answers)
	}
}
