package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// healthyConfig is a config dir whose default profile is one healthy fake.
func healthyConfig(t *testing.T) (cfg string, fake *providertest.Server) {
	t.Helper()
	fake = providertest.NewOpenAI()
	t.Cleanup(fake.Close)
	fake.SetRecording(false)
	cfg, err := ConfigDir(t.TempDir(), map[string]any{"one": Profile("failover", nil, OpenAIBucket(fake.URL))}, "one")
	if err != nil {
		t.Fatal(err)
	}
	return cfg, fake
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stillServes checks the process answers a status request and a chat.
func stillServes(t *testing.T, p *Proc, mode string) {
	t.Helper()
	ctx := ctx10(t)
	var err error
	if mode == "lsp" {
		_, err = p.ChatLSP(ctx, "still there?")
	} else {
		_, err = p.ChatMCP(ctx, "still there?")
	}
	if err != nil {
		t.Fatalf("server stopped serving: %v\nstderr: %s", err, tail(p.Stderr(), 2000))
	}
}

// waitOrphan waits for a response no call was waiting for (a parse error
// has id null) and returns it.
func waitOrphan(t *testing.T, p *Proc, ok func(Message) bool) Message {
	t.Helper()
	var got Message
	waitFor(t, "an error response to the raw frame", func() (bool, string) {
		for _, m := range p.Orphans() {
			if ok(m) {
				got = m
				return true, ""
			}
		}
		return false, fmt.Sprintf("orphans so far: %d", len(p.Orphans()))
	})
	return got
}

func isParseError(m Message) bool { return m.Error != nil && m.Error.Code == -32700 }

func isOversize(m Message) bool {
	return m.Error != nil && m.Error.Code == -32600 && strings.Contains(m.Error.Message, "32 MiB limit")
}

// A 50 MB message is refused and the server keeps serving with bounded
// memory. Over MCP it is a chat request with a 50 MB prompt: refused by the
// 32 MiB line limit with a parse error. Over LSP the body is discarded as it
// streams past server/lsp's 32 MiB message limit (never buffered) and the
// frame is answered with an invalid-request error naming the limit.
func TestHostileHugeFrame(t *testing.T) {
	const size = 50 << 20
	for _, mode := range []string{"lsp", "mcp"} {
		t.Run(mode, func(t *testing.T) {
			cfg, _ := healthyConfig(t)
			p := start(t, mode, cfg)
			before, _ := p.RSS()
			body := bytes.Repeat([]byte("x"), size)
			if mode == "mcp" {
				body = append(append([]byte(`{"jsonrpc":"2.0","id":"huge","method":"tools/call","params":{"name":"chat","arguments":{"prompt":"`), body...), `"}}}`...)
			}
			if err := p.WriteRaw(p.Frame(body)); err != nil {
				t.Fatal(err)
			}
			limit := int64(4 * size)
			if mode == "lsp" {
				waitOrphan(t, p, isOversize)
				limit = 16 << 20 // the body is never held
			} else {
				waitOrphan(t, p, isParseError)
			}
			stillServes(t, p, mode)
			after, _ := p.RSS()
			t.Logf("RSS %d MiB before, %d MiB after a 50 MB frame", before>>20, after>>20)
			if raceEnabled { // the race detector's shadow memory multiplies the heap
				limit *= 3
			}
			if after-before > limit {
				t.Errorf("RSS grew by %d MiB for one 50 MB frame", (after-before)>>20)
			}
		})
	}
}

// A 50 MB Content-Length with only a little body behind it: the server
// waits for the rest without allocating the declared size in resident
// memory, and ends the session cleanly when the input ends mid-frame.
func TestHostileContentLengthThenTruncated(t *testing.T) {
	cfg, _ := healthyConfig(t)
	for _, tt := range []struct {
		name  string
		frame string
	}{
		{"50 MB declared, 1 KB sent", "Content-Length: 52428800\r\n\r\n" + strings.Repeat("{", 1024)},
		{"truncated JSON body", `Content-Length: 200` + "\r\n\r\n" + `{"jsonrpc":"2.0","id":99,"method":"llxprt/status"`},
		{"truncated header", "Content-Len"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, "lsp", cfg)
			if _, err := p.Call(ctx10(t), "llxprt/status", nil); err != nil {
				t.Fatalf("status: %v", err)
			}
			before, _ := p.RSS()
			if err := p.WriteRaw([]byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			// Nothing is answered behind an unfinished frame; the declared
			// size must not become resident while the server waits.
			after, _ := p.RSS()
			if after-before > 16<<20 {
				t.Errorf("RSS grew by %d MiB waiting on a truncated frame", (after-before)>>20)
			}
			err := p.Close(10 * time.Second)
			if err != nil && strings.Contains(err.Error(), "killed") {
				t.Fatalf("server hung on a truncated frame at end of input: %v", err)
			}
			if strings.Contains(p.Stderr(), "panic:") {
				t.Fatalf("server panicked:\n%s", tail(p.Stderr(), 3000))
			}
		})
	}
}

// A line or frame that is not JSON gets a parse error and the session goes on.
func TestHostileNotJSON(t *testing.T) {
	for _, mode := range []string{"lsp", "mcp"} {
		t.Run(mode, func(t *testing.T) {
			cfg, _ := healthyConfig(t)
			p := start(t, mode, cfg)
			if err := p.WriteRaw(p.Frame([]byte("this is not json {]"))); err != nil {
				t.Fatal(err)
			}
			waitOrphan(t, p, isParseError)
			stillServes(t, p, mode)
		})
	}
}

// 10,000 requests written in one go are all answered, and the server then
// serves a chat.
func TestHostileBurst(t *testing.T) {
	const n = 10000
	for _, mode := range []string{"lsp", "mcp"} {
		t.Run(mode, func(t *testing.T) {
			cfg, _ := healthyConfig(t)
			p := start(t, mode, cfg)
			method := "llxprt/status"
			if mode == "mcp" {
				method = "ping"
			}
			var buf bytes.Buffer
			for i := range n {
				b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": fmt.Sprintf("burst-%d", i), "method": method})
				buf.Write(p.Frame(b))
			}
			if err := p.WriteRaw(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every burst request answered", func() (bool, string) {
				got := 0
				for _, m := range p.Orphans() {
					if strings.HasPrefix(string(m.ID), `"burst-`) && m.Error == nil {
						got++
					}
				}
				return got == n, fmt.Sprintf("%d of %d answered", got, n)
			})
			stillServes(t, p, mode)
		})
	}
}

// A profile with 10,000 buckets either loads or is refused with a bounded
// error; either way the server keeps serving on its current profile.
func TestHostileTenThousandBuckets(t *testing.T) {
	cfg, fake := healthyConfig(t)
	buckets := make([]map[string]any, 10000)
	for i := range buckets {
		buckets[i] = OpenAIBucket(fake.URL)
	}
	if _, err := ConfigDir(filepath.Dir(cfg), map[string]any{"huge": Profile("round-robin", nil, buckets...)}, ""); err != nil {
		t.Fatal(err)
	}
	p := start(t, "lsp", cfg)
	raw, err := p.Call(ctx10(t), "llxprt/profile/load", map[string]any{"name": "huge"})
	var rpcErr *RPCError
	switch {
	case err == nil:
		var st struct {
			Buckets []json.RawMessage `json:"buckets"`
		}
		if json.Unmarshal(raw, &st) != nil || len(st.Buckets) != 10000 {
			t.Errorf("loaded, but status lists %d buckets", len(st.Buckets))
		}
		t.Logf("10,000 buckets loaded; RSS now %s", rss(p))
	case errors.As(err, &rpcErr) && len(rpcErr.Message) < 4096:
		t.Logf("refused: %s", rpcErr.Message)
	default:
		t.Fatalf("profile/load: %v", err)
	}
	stillServes(t, p, "lsp")
}

func rss(p *Proc) string {
	n, err := p.RSS()
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// A profile name with ../ is refused on load and on save, over both front
// ends, and nothing is written outside the profiles directory.
func TestHostileProfileNameTraversal(t *testing.T) {
	cfg, _ := healthyConfig(t)
	outside := filepath.Dir(cfg)
	before := listTree(t, outside)
	names := []string{"../escape", "../../etc/passwd", "..", "a/../../b", "/tmp/abs"}
	doc := Profile("failover", nil, OpenAIBucket("http://127.0.0.1:1"))
	for _, mode := range []string{"lsp", "mcp"} {
		p := start(t, mode, cfg)
		for _, name := range names {
			for _, op := range []string{"load", "save"} {
				var err error
				if mode == "lsp" {
					params := map[string]any{"name": name}
					if op == "save" {
						params["profile"] = doc
					}
					_, err = p.Call(ctx10(t), "llxprt/profile/"+op, params)
				} else {
					args := map[string]any{"name": name}
					if op == "save" {
						args["profile"] = doc
					}
					var raw json.RawMessage
					raw, err = p.Call(ctx10(t), "tools/call", map[string]any{"name": "profile_" + op, "arguments": args})
					if err == nil && !bytes.Contains(raw, []byte(`"isError":true`)) {
						err = nil
						t.Errorf("mcp profile_%s %q accepted: %s", op, name, raw)
						continue
					}
				}
				if mode == "lsp" && err == nil {
					t.Errorf("lsp profile/%s %q accepted", op, name)
				}
			}
		}
		stillServes(t, p, mode)
	}
	after := listTree(t, outside)
	for path := range after {
		if !before[path] && !strings.HasPrefix(path, "config/sessions") && !strings.HasPrefix(path, "config/state") {
			t.Errorf("new file outside the profiles: %s", path)
		}
	}
}

func listTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			out[rel] = true
		}
		return nil
	})
	return out
}

// A keyfile that is a directory gives an error that says so; the server
// keeps serving.
func TestHostileKeyfileIsDirectory(t *testing.T) {
	cfg, fake := healthyConfig(t)
	dir := t.TempDir()
	b := map[string]any{"provider": "anthropic", "model": "claude-sonnet-4-5", "base-url": "https://api.anthropic.invalid", "auth-keyfile": dir}
	if _, err := ConfigDir(filepath.Dir(cfg), map[string]any{
		"dirkey":  Profile("failover", nil, b),
		"dirkey2": Profile("failover", nil, b, OpenAIBucket(fake.URL)),
	}, ""); err != nil {
		t.Fatal(err)
	}
	p := start(t, "lsp", cfg)
	// Only that bucket: the load fails and names the directory.
	_, err := p.Call(ctx10(t), "llxprt/profile/load", map[string]any{"name": "dirkey"})
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || !strings.Contains(rpcErr.Message, "directory") {
		t.Errorf("load of a profile whose only keyfile is a directory: %v", err)
	}
	// With another bucket: it loads, and the status warns about the keyfile.
	raw, err := p.Call(ctx10(t), "llxprt/profile/load", map[string]any{"name": "dirkey2"})
	if err != nil {
		t.Fatalf("load with a healthy second bucket: %v", err)
	}
	if !bytes.Contains(raw, []byte("directory")) {
		t.Errorf("status after load does not say the keyfile is a directory: %s", raw)
	}
	stillServes(t, p, "lsp")
}
