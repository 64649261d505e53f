package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// Peers is the Portkey gateway measured against the same fake upstream.
type Peers struct {
	Version string    `json:"version"`
	Node    string    `json:"node"`
	Rows    []PeerRow `json:"rows"`
	IdleMiB float64   `json:"idle_mib"`
}

// PeerRow is one figure; Direct is the reference it is compared with (the
// fake straight, or Portkey without a failure for the failover row).
type PeerRow struct {
	Figure string  `json:"figure"`
	Dist   Dist    `json:"dist"`
	Direct float64 `json:"reference_p50_ms"`
	Errors int     `json:"errors"`
}

const portkeyVersion = "1.15.2"

// preload forces every listen() onto 127.0.0.1: the gateway has no host
// flag and would listen on every interface.
const preload = `const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (a[0] !== null && typeof a[0] === 'object') { a[0] = { ...a[0], host: '127.0.0.1' }; }
  else if (typeof a[1] === 'string') { a[1] = '127.0.0.1'; }
  else { a.splice(1, 0, '127.0.0.1'); }
  return listen.apply(this, a);
};
`

// portkey installs the gateway into a cache dir (once) per
// shared/notes/peers.md and measures it at c=1.
func portkey(ctx context.Context, e *env, fake *providertest.Server) (*Peers, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, errors.New("node is not installed")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return nil, errors.New("npm is not installed")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "llxprt-bench", "portkey-"+portkeyVersion)
	start := filepath.Join(dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js")
	if _, err := os.Stat(start); err != nil {
		fmt.Fprintln(os.Stderr, "peers: installing @portkey-ai/gateway", portkeyVersion, "into", dir, "…")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		pkg := `{"name":"llxprt-bench-peers","private":true,"dependencies":{"@portkey-ai/gateway":"` + portkeyVersion + `"},"overrides":{"@hono/node-server":"1.13.8"}}`
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(pkg), 0o644); err != nil {
			return nil, err
		}
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ictx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm install: %w\n%s", err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "local-only.js"), []byte(preload), 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", "-r", filepath.Join(dir, "local-only.js"), start, "--port="+strconv.Itoa(port), "--headless")
	cmd.Dir = dir
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitListen(ctx, addr, 30*time.Second); err != nil {
		return nil, fmt.Errorf("portkey did not start: %w\n%s", err, logs.String())
	}
	nodeV, _ := exec.Command("node", "--version").Output()
	p := &Peers{Version: portkeyVersion, Node: strings.TrimSpace(string(nodeV))}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)); err == nil {
		p.IdleMiB = vmRSS(b)
	}

	bad := providertest.NewOpenAI()
	defer bad.Close()
	bad.SetRecording(false)
	bad.SetDefault(providertest.Script{Status: 503})
	gw := "http://" + addr + "/v1/chat/completions"
	route := map[string]string{"x-portkey-provider": "openai", "x-portkey-custom-host": fake.URL + "/v1"}
	fallback := map[string]string{"x-portkey-config": `{"strategy":{"mode":"fallback"},"targets":[` +
		`{"provider":"openai","api_key":"x","custom_host":"` + bad.URL + `/v1"},` +
		`{"provider":"openai","api_key":"x","custom_host":"` + fake.URL + `/v1"}]}`}
	n := e.n(400, 60)
	hc := &http.Client{Timeout: 30 * time.Second}
	direct := fake.URL + "/v1/chat/completions"
	dPlain, _ := measureHTTP(ctx, hc, direct, nil, false, n)
	pPlain, errs1 := measureHTTP(ctx, hc, gw, route, false, n)
	dStream, _ := measureHTTP(ctx, hc, direct, nil, true, n)
	pStream, errs2 := measureHTTP(ctx, hc, gw, route, true, n)
	pFail, errs3 := measureHTTP(ctx, hc, gw, fallback, false, n)
	p.Rows = []PeerRow{
		{"non-streaming", dist(pPlain), dist(dPlain).P50, errs1},
		{"time to first token (streaming)", dist(pStream), dist(dStream).P50, errs2},
		{"503 on target 1, fallback (ref: Portkey non-streaming)", dist(pFail), dist(pPlain).P50, errs3},
	}
	return p, nil
}

func vmRSS(status []byte) float64 {
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return mib(kb << 10)
		}
	}
	return 0
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitListen(ctx context.Context, addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond) // polling a port that has no event to wait on
	}
}

// measureHTTP posts n chat requests one after another: the whole response,
// or with stream the time to the first content chunk.
func measureHTTP(ctx context.Context, hc *http.Client, url string, hdr map[string]string, stream bool, n int) ([]time.Duration, int) {
	body := `{"model":"gpt-4.1","messages":[{"role":"user","content":"bench"}]` + map[bool]string{true: `,"stream":true}`, false: `}`}[stream]
	var out []time.Duration
	errs := 0
	for i := range n + 20 {
		d, err := onePost(ctx, hc, url, hdr, body, stream)
		if err != nil {
			errs++
			continue
		}
		if i >= 20 { // warm-up
			out = append(out, d)
		}
	}
	return out, errs
}

func onePost(ctx context.Context, hc *http.Client, url string, hdr map[string]string, body string, stream bool) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-bench")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	if !stream {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, err
		}
		return time.Since(t0), nil
	}
	sc := bufio.NewScanner(resp.Body)
	var first time.Duration
	for sc.Scan() {
		if first == 0 && bytes.Contains(sc.Bytes(), []byte(`"content":"`)) {
			first = time.Since(t0)
		}
	}
	if first == 0 {
		return 0, errors.New("no content chunk")
	}
	return first, sc.Err()
}
