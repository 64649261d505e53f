package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/server"
)

// An `llxprt-ls auth login qwen` made in a terminal while the server runs
// must reach the running balancer without a restart or a profile load: both
// for a profile whose only bucket waited for the login (the build failed)
// and for one where only that bucket was left unavailable.
func TestOAuthLoginPickedUpWhileRunning(t *testing.T) {
	tests := []struct {
		name    string
		buckets string // JSON buckets besides the Qwen one
		qwenAt  int    // the Qwen bucket's index in Credentials
	}{
		{name: "only bucket"},
		{name: "one of several", buckets: `{"provider": "anthropic", "model": "claude-haiku-4-5", "base-url": %q, "key": "k-test"},`, qwenAt: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			others := ""
			if tt.buckets != "" {
				others = fmt.Sprintf(tt.buckets, f.env.Anthropic.URL)
			}
			f.write(t, "free", fmt.Sprintf(`{"version": 1, "provider": "lb", "ephemeralSettings": {"lb": {"type": "failover", "buckets": [%s
				{"provider": "qwen", "model": "qwen3-coder-plus"}]}}}`, others))
			svc := f.service(t, func(o *server.Options) {
				o.NoWatch = false
				o.Profile = "free"
				o.Env = func(string) string { return "" } // no DASHSCOPE_API_KEY from the machine
			})
			if st := svc.Status(); st.Error == "" && (len(st.Credentials) <= tt.qwenAt || st.Credentials[tt.qwenAt].Kind != auth.KindMissing) {
				t.Fatalf("before the login: error %q, credentials %+v", st.Error, st.Credentials)
			}
			events := make(chan server.StatusEvent, 64)
			defer svc.Subscribe(func(ev server.StatusEvent) {
				select {
				case events <- ev:
				default:
				}
			})()
			// Write the token as `auth login` does (temp file, rename) until
			// the watcher, which starts on its own goroutine, reports it.
			dir := filepath.Join(f.dir, "oauth")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			// The login names the API endpoint (Qwen's resource_url): the fake.
			tok := fmt.Sprintf(`{"access_token": "qwen-access-0123456789", "refresh_token": "qwen-refresh-0123456789", "expiry": %q, "resource_url": %q}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), f.env.OpenAI.URL)
			deadline := time.After(20 * time.Second)
		wait:
			for {
				tmp := filepath.Join(dir, ".tmp-qwen.json-1")
				if err := os.WriteFile(tmp, []byte(tok), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, filepath.Join(dir, "qwen.json")); err != nil {
					t.Fatal(err)
				}
				retry := time.After(500 * time.Millisecond)
				for {
					select {
					case ev := <-events:
						if strings.Contains(ev.Message, "qwen login picked up") {
							break wait
						}
						continue
					case <-retry:
					case <-deadline:
						t.Fatal("the login was not picked up")
					}
					break
				}
			}
			st := svc.Status()
			if st.Error != "" || len(st.Credentials) <= tt.qwenAt || st.Credentials[tt.qwenAt].Kind != auth.KindOAuth {
				t.Fatalf("after the login: error %q, credentials %+v", st.Error, st.Credentials)
			}
			if strings.Contains(fmt.Sprint(st), "qwen-access-0123456789") {
				t.Error("status shows the token")
			}
			if tt.buckets == "" {
				if res := chat(t, svc, server.ChatRequest{Prompt: "hi"}); res.Provider != "qwen" {
					t.Errorf("served by %q, not the Qwen login", res.Provider)
				}
			}
		})
	}
}
