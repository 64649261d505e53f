package oauth

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llxprt/llxprt-ls/profile/auth/oauth/oauthtest"
)

func TestLoginDevice(t *testing.T) {
	tests := []struct {
		name    string
		script  []string
		ttl     int           // device code lifetime, s
		elapsed time.Duration // fake time until the outcome
		wantErr string        // "" means success
	}{
		{"approved at once", nil, 600, 5 * time.Second, ""},
		{"pending then approved", []string{oauthtest.Pending, oauthtest.Pending}, 600, 15 * time.Second, ""},
		// slow_down adds 5 s to the interval for every later poll:
		// polls at 5, then 15 (interval 10), then 30 (interval 15).
		{"slow_down grows the interval", []string{oauthtest.SlowDown, oauthtest.SlowDown}, 600, 30 * time.Second, ""},
		{"denied", []string{oauthtest.Pending, oauthtest.Denied}, 600, 10 * time.Second, "denied in the browser"},
		{"server says expired", []string{oauthtest.Expired}, 600, 5 * time.Second, "code expired"},
		{"code lifetime runs out", []string{oauthtest.Pending, oauthtest.Pending, oauthtest.Pending, oauthtest.Pending}, 12, 12 * time.Second, "code expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			fake.SetDevice(5, tt.ttl)
			fake.SetResourceURL("portal.qwen.ai")
			fake.Script(tt.script...)
			synctest.Test(t, func(t *testing.T) {
				s := newStore(t, fake, Options{})
				var out bytes.Buffer
				var opened []string
				start := time.Now()
				tok, err := s.LoginDevice(t.Context(), Qwen, &out, func(u string) error { opened = append(opened, u); return nil })
				elapsed := time.Since(start)
				if elapsed != tt.elapsed {
					t.Errorf("finished after %s of polling, want %s", elapsed, tt.elapsed)
				}
				if !strings.Contains(out.String(), "ABCD-1234") || !strings.Contains(out.String(), fake.URL+"/device") {
					t.Errorf("output does not show the code and link: %q", out.String())
				}
				if len(opened) != 1 || !strings.Contains(opened[0], "user_code=ABCD-1234") {
					t.Errorf("opened %q, want the complete verification URL once", opened)
				}
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "llxprt-ls auth login qwen") {
						t.Fatalf("err = %v, want %q and the login command", err, tt.wantErr)
					}
					if _, serr := os.Stat(s.Path(Qwen)); serr == nil {
						t.Error("a failed login left a token file")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !fake.Valid(tok.AccessToken) || tok.RefreshToken == "" {
					t.Errorf("token %v is not one the server issued", tok)
				}
				if got, ok := s.BaseURL(Qwen); !ok || got != "https://portal.qwen.ai/v1" {
					t.Errorf("BaseURL = %q, %v; want https://portal.qwen.ai/v1", got, ok)
				}
				st, err := os.Stat(s.Path(Qwen))
				if err != nil || st.Mode().Perm() != 0o600 {
					t.Errorf("token file: %v, mode %v; want 0600", err, st.Mode().Perm())
				}
				noSecrets(t, "login output", out.String(), tok.AccessToken, tok.RefreshToken)
			})
		})
	}
}

func TestLoginDeviceWrongFlow(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	if _, err := s.LoginDevice(t.Context(), Gemini, &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("gemini device login: %v", err)
	}
	if _, err := s.LoginDevice(t.Context(), "anthropic", &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "no OAuth login") {
		t.Errorf("anthropic device login: %v", err)
	}
}
