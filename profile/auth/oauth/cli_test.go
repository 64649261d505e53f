package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestRunLoginStatusLogout(t *testing.T) {
	fake := newFake(t)
	fake.SetResourceURL("portal.qwen.ai")
	dir := t.TempDir()
	opt := Options{Env: fake.Env(nil)}
	var stdout, stderr bytes.Buffer
	tio := IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr}

	synctest.Test(t, func(t *testing.T) {
		o := opt
		o.HTTPClient = newStore(t, fake, Options{}).hc
		if err := Run(t.Context(), dir, Command{Action: "login", Provider: "Qwen", NoBrowser: true}, tio, o, nil); err != nil {
			t.Fatal(err)
		}
	})
	if err := Run(t.Context(), dir, Command{Action: "login", Provider: Gemini}, tio, opt, browser(t)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "ABCD-1234") || !strings.Contains(stderr.String(), "gemini: logged in as user@example.com") {
		t.Errorf("stderr = %q", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("login wrote to stdout: %q", stdout.String())
	}

	if err := Run(t.Context(), dir, Command{Action: "status"}, tio, opt, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "gemini    yes        user@example.com") || !strings.Contains(lines[2], "qwen") || !strings.Contains(lines[2], "yes") {
		t.Errorf("status table:\n%s", stdout.String())
	}
	stdout.Reset()
	if err := Run(t.Context(), dir, Command{Action: "status", JSON: true}, tio, opt, nil); err != nil {
		t.Fatal(err)
	}
	var sts []Status
	if err := json.Unmarshal(stdout.Bytes(), &sts); err != nil || len(sts) != 2 || !sts[0].LoggedIn || !sts[1].LoggedIn || sts[1].BaseURL != "https://portal.qwen.ai/v1" {
		t.Errorf("status JSON %s: %v", stdout.String(), err)
	}
	if sts[0].Expiry.Before(time.Now()) {
		t.Errorf("gemini expiry %v is in the past", sts[0].Expiry)
	}

	s := NewStore(dir, opt)
	var secrets []string
	for _, p := range Providers() {
		tok, err := s.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	}
	noSecrets(t, "auth output", stdout.String()+stderr.String(), secrets...)

	stderr.Reset()
	if err := Run(t.Context(), dir, Command{Action: "logout", Provider: Qwen}, tio, opt, nil); err != nil {
		t.Fatal(err)
	}
	if err := Run(t.Context(), dir, Command{Action: "logout", Provider: Qwen}, tio, opt, nil); err != nil {
		t.Fatal(err)
	}
	if got := stderr.String(); got != "qwen: logged out\nqwen: not logged in; nothing to do\n" {
		t.Errorf("logout stderr = %q", got)
	}
	if st := s.Status(Qwen); st.LoggedIn {
		t.Errorf("qwen still logged in: %+v", st)
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		c    Command
		want string
	}{
		{"no action", Command{}, "needs a subcommand"},
		{"unknown action", Command{Action: "enable"}, `unknown auth subcommand "enable"`},
		{"login without provider", Command{Action: "login"}, "needs a provider: gemini or qwen"},
		{"provider without OAuth", Command{Action: "login", Provider: "anthropic"}, `"anthropic" has no OAuth login`},
		{"status with provider", Command{Action: "status", Provider: "qwen"}, "takes no provider"},
		{"logout without provider", Command{Action: "logout"}, "needs a provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(t.Context(), t.TempDir(), tt.c, IO{Out: &out, Err: &out}, Options{}, nil)
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestBrowserOpener(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if BrowserOpener(env(map[string]string{"BROWSER": "/nonexistent/browser"})) != nil {
		t.Error("an opener for a $BROWSER that does not exist")
	}
	if BrowserOpener(env(map[string]string{"BROWSER": "true"})) == nil {
		t.Error("no opener for $BROWSER=true")
	}
}
