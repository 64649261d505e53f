package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/llxprt/llxprt-ls/server"
	"github.com/rs/zerolog"
)

func TestProgressCoalescesAndFlushesBeforeClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		lw := &lockedWriter{w: &buf}
		h := &handler{out: lw, log: zerolog.Nop()}
		req := mcpgo.CallToolRequest{}
		req.Params.Meta = &mcpgo.Meta{ProgressToken: "t1"}
		p := h.progress(context.Background(), req)
		for _, s := range []string{"a", "b", "c"} {
			p.add(s)
		}
		synctest.Wait()
		// The first piece goes out at once (no added time to first token);
		// the next ones wait for the coalescing window.
		if got := written(lw); !strings.Contains(got, `"message":"a"`) || strings.Contains(got, `"b`) {
			t.Fatalf("before the coalescing window: %q", got)
		}
		waitWindow()
		p.add("d")
		p.close()
		var msgs []string
		var progress []float64
		sc := bufio.NewScanner(strings.NewReader(written(lw)))
		for sc.Scan() {
			var m struct {
				Method string
				Params struct {
					ProgressToken string
					Progress      float64
					Message       string
				}
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if m.Method != "notifications/progress" || m.Params.ProgressToken != "t1" {
				t.Errorf("bad notification %s", sc.Text())
			}
			msgs = append(msgs, m.Params.Message)
			progress = append(progress, m.Params.Progress)
		}
		if strings.Join(msgs, "|") != "a|bc|d" || len(progress) != 3 || progress[0] != 1 || progress[1] != 3 || progress[2] != 4 {
			t.Errorf("messages %q progress %v, want [a bc d] [1 3 4]", msgs, progress)
		}
		p.add("late")
		if strings.Contains(written(lw), "late") {
			t.Error("sent after close")
		}
	})
}

func TestProgressWithoutTokenSendsNothing(t *testing.T) {
	var out bytes.Buffer
	h := &handler{out: &lockedWriter{w: &out}, log: zerolog.Nop()}
	p := h.progress(context.Background(), mcpgo.CallToolRequest{})
	p.add("x")
	p.close()
	if out.Len() != 0 {
		t.Errorf("sent %q", out.String())
	}
}

// waitWindow lets the fake clock pass the coalescing window inside a
// synctest bubble and the timer's flush run.
func waitWindow() {
	<-time.After(server.CoalesceInterval + time.Millisecond)
	synctest.Wait()
}

// written reads what went through lw, under its lock.
func written(lw *lockedWriter) string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.(*bytes.Buffer).String()
}
