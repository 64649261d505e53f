package oauth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/providers"
)

// seed stores a token the fake issued, expiring at expiry.
func seed(t *testing.T, s *Store, provider string, access, refresh string, expiry time.Time) {
	t.Helper()
	if err := s.Save(t.Context(), provider, &Token{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", Expiry: expiry, ResourceURL: "portal.qwen.ai", Account: "me@example.com"}); err != nil {
		t.Fatal(err)
	}
}

func TestTokenRefreshesBeforeExpiry(t *testing.T) {
	fake := newFake(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := newStore(t, fake, Options{Now: func() time.Time { return now }})
	a0, r0 := fake.Issue()
	tests := []struct {
		name          string
		expiry        time.Time
		wantRefreshes int
	}{
		{"fresh: no refresh", now.Add(2 * time.Minute), 0},
		{"inside the 60 s margin: refresh", now.Add(59 * time.Second), 1},
		{"already expired: refresh", now.Add(-time.Hour), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a0, r0 = fake.Issue()
			seed(t, s, Qwen, a0, r0, tt.expiry)
			before := fake.Refreshes()
			tok, err := s.Token(t.Context(), Qwen)
			if err != nil {
				t.Fatal(err)
			}
			if got := fake.Refreshes() - before; got != tt.wantRefreshes {
				t.Errorf("refreshes = %d, want %d", got, tt.wantRefreshes)
			}
			if tt.wantRefreshes == 0 {
				if tok != a0 {
					t.Errorf("token changed without a refresh")
				}
				return
			}
			if tok == a0 || !fake.Valid(tok) {
				t.Errorf("refresh returned the old or an unknown token")
			}
			stored, err := s.Load(Qwen)
			if err != nil {
				t.Fatal(err)
			}
			if stored.AccessToken != tok || stored.RefreshToken == r0 || stored.RefreshToken == "" {
				t.Errorf("stored %v: want the new access token and the rotated refresh token", stored)
			}
			if stored.ResourceURL != "portal.qwen.ai" || stored.Account != "me@example.com" {
				t.Errorf("refresh lost the resource URL or account: %q %q", stored.ResourceURL, stored.Account)
			}
			if !stored.Expiry.After(now) {
				t.Errorf("new expiry %v is not in the future", stored.Expiry)
			}
			// A second call reuses the refreshed token.
			again, err := s.Token(t.Context(), Qwen)
			if err != nil || again != tok {
				t.Errorf("second call: %v, same token %v", err, again == tok)
			}
		})
	}
}

func TestTokenRevoked(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	a, r := fake.Issue()
	fake.Revoke(r)
	seed(t, s, Qwen, a, r, time.Now().Add(-time.Minute))
	_, err := s.Token(t.Context(), Qwen)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Fatalf("err = %v, want a *providers.Error of KindAuth", err)
	}
	want := "qwen: auth: OAuth token expired or revoked: run `llxprt-ls auth login qwen`"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
	if !errors.Is(err, ErrRevoked) {
		t.Errorf("err does not wrap ErrRevoked")
	}
	noSecrets(t, "error", err.Error()+fmt.Sprintf(" %v %+v %#v", err, err, pe.Err), a, r)
}

func TestTokenErrors(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	tests := []struct {
		name  string
		setup func()
		kind  providers.ErrorKind
		want  string
	}{
		{"not logged in", func() {}, providers.KindAuth, "llxprt-ls auth login gemini"},
		{"expired without refresh token", func() { seed(t, s, Gemini, "fake-access-expired-00000001", "", time.Now().Add(-time.Hour)) }, providers.KindAuth, "llxprt-ls auth login gemini"},
		{"corrupt file", func() {
			if err := os.WriteFile(s.Path(Gemini), []byte("{not json"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, providers.KindAuth, "llxprt-ls auth login gemini"},
		{"server down", func() {
			a, r := fake.Issue()
			seed(t, s, Gemini, a, r, time.Now().Add(-time.Hour))
			fake.Close()
		}, providers.KindNetwork, "refreshing the OAuth token failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			_, err := s.Token(t.Context(), Gemini)
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want kind %v containing %q", err, tt.kind, tt.want)
			}
		})
	}
}

func TestSaveAtomicPrivate(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	a, r := fake.Issue()
	seed(t, s, Gemini, a, r, time.Now().Add(time.Hour))
	seed(t, s, Gemini, a, r, time.Now().Add(2*time.Hour))
	st, err := os.Stat(s.Path(Gemini))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v", err, st.Mode().Perm())
	}
	if d, err := os.Stat(s.Dir()); err != nil || d.Mode().Perm() != 0o700 {
		t.Errorf("token dir mode: %v %v", d.Mode().Perm(), err)
	}
	entries, _ := os.ReadDir(s.Dir())
	for _, e := range entries {
		// The lock file every process takes to write the token holds nothing.
		if e.Name() != filepath.Base(s.Path(Gemini)) && e.Name() != Gemini+".lock" {
			t.Errorf("left behind in the token dir: %s", e.Name())
		}
	}
}

func TestTokenFuncAndBaseURL(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	if _, ok := s.TokenFunc(Qwen); ok {
		t.Error("TokenFunc ok before any login")
	}
	if _, ok := s.TokenFunc("anthropic"); ok {
		t.Error("TokenFunc ok for a provider without OAuth")
	}
	a, r := fake.Issue()
	seed(t, s, Qwen, a, r, time.Now().Add(time.Hour))
	tf, ok := s.TokenFunc(Qwen)
	if !ok {
		t.Fatal("TokenFunc not ok after login")
	}
	if got, err := tf(t.Context()); err != nil || got != a {
		t.Errorf("token func = %v (same %v)", err, got == a)
	}
	tests := []struct{ in, want string }{
		{"portal.qwen.ai", "https://portal.qwen.ai/v1"},
		{"https://portal.qwen.ai/v1/", "https://portal.qwen.ai/v1"},
		{"http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"},
		{"http://127.0.0.1:9", "http://127.0.0.1:9/v1"},
	}
	for _, tt := range tests {
		if got := resourceURL(tt.in); got != tt.want {
			t.Errorf("resourceURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, ok := s.BaseURL(Gemini); ok {
		t.Error("BaseURL ok for gemini without a login")
	}
}

func TestStatusAndLogout(t *testing.T) {
	fake := newFake(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := newStore(t, fake, Options{Now: func() time.Time { return now }})
	a, r := fake.Issue()
	seed(t, s, Qwen, a, r, now.Add(90*time.Minute))
	got := s.StatusAll()
	want := []Status{
		{Provider: Gemini, Message: "not logged in: run `llxprt-ls auth login gemini` in a terminal"},
		{Provider: Qwen, LoggedIn: true, Account: "me@example.com", Expiry: now.Add(90 * time.Minute), Refreshable: true,
			BaseURL: "https://portal.qwen.ai/v1", Message: "logged in; the token expires in 1h30m0s and renews itself"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StatusAll (-want +got):\n%s", diff)
	}
	noSecrets(t, "status", fmt.Sprintf("%+v", got), a, r)

	removed, err := s.Logout(t.Context(), Qwen)
	if !removed || err != nil {
		t.Fatalf("logout: %v %v", removed, err)
	}
	if st := s.Status(Qwen); st.LoggedIn {
		t.Errorf("still logged in after logout: %+v", st)
	}
	if removed, err := s.Logout(t.Context(), Qwen); removed || err != nil {
		t.Errorf("second logout: %v %v", removed, err)
	}
	// Gemini has a revocation endpoint: logout revokes the refresh token.
	a, r = fake.Issue()
	seed(t, s, Gemini, a, r, now.Add(time.Hour))
	if removed, err := s.Logout(t.Context(), Gemini); !removed || err != nil {
		t.Fatalf("gemini logout: %v %v", removed, err)
	}
	other := newStore(t, fake, Options{})
	seed(t, other, Gemini, "x-access-token-000000001", r, time.Now().Add(-time.Hour))
	if _, err := other.Token(t.Context(), Gemini); !errors.Is(err, ErrRevoked) {
		t.Errorf("refresh token still works after logout: %v", err)
	}
}

func TestTokenPrintsMasked(t *testing.T) {
	tok := &Token{AccessToken: "ya29.SENTINEL-ACCESS-abcdef123456", RefreshToken: "1//SENTINEL-REFRESH-abcdef123456"}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok)} {
		if strings.Contains(s, "SENTINEL") {
			t.Errorf("%q leaks a token", s)
		}
	}
}

func TestLogsHoldNoToken(t *testing.T) {
	fake := newFake(t)
	var logs strings.Builder
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	s := newStore(t, fake, Options{Logger: log})
	a, r := fake.Issue()
	seed(t, s, Qwen, a, r, time.Now().Add(-time.Minute))
	tok, err := s.Token(t.Context(), Qwen)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "token refreshed") {
		t.Errorf("no refresh log line: %q", logs.String())
	}
	stored, _ := s.Load(Qwen)
	noSecrets(t, "logs", logs.String(), a, r, tok, stored.RefreshToken)
}

// TestSaveAndLogoutTakeTheRefreshLock: while another process holds the
// provider's lock (refreshing the old login), neither a new login's save
// nor a logout may touch the token file; once the lock is free both go
// through.
func TestSaveAndLogoutTakeTheRefreshLock(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	a0, r0 := fake.Issue()
	seed(t, s, Qwen, a0, r0, time.Now().Add(time.Hour))
	other := flock.New(filepath.Join(s.dir, Qwen+".lock")) // another open file: another process's lock
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	short := func() context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	if err := s.Save(short(), Qwen, &Token{AccessToken: "new-login", Expiry: time.Now().Add(time.Hour)}); err == nil {
		t.Error("Save wrote the token while another process held the lock")
	}
	if removed, err := s.Logout(short(), Qwen); err == nil || removed {
		t.Errorf("Logout = %v, %v while another process held the lock; want a lock error", removed, err)
	}
	if got, err := s.Load(Qwen); err != nil || got.AccessToken != a0 {
		t.Fatalf("token changed under another process's lock: %v, %v", got, err)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	if removed, err := s.Logout(t.Context(), Qwen); err != nil || !removed {
		t.Errorf("Logout after the lock was freed = %v, %v", removed, err)
	}
}

// TestLoginErrorSaysWhy: a user who never logged in, one whose token file
// is damaged and one whose login was revoked are all sent to `auth login`,
// each told which case it is.
func TestLoginErrorSaysWhy(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	if _, err := s.Token(t.Context(), Qwen); err == nil || !strings.Contains(err.Error(), "no OAuth login: run `llxprt-ls auth login qwen`") {
		t.Errorf("never logged in: %v", err)
	}
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path(Qwen), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(t.Context(), Qwen); err == nil || !strings.Contains(err.Error(), "the saved OAuth token cannot be read: run `llxprt-ls auth login qwen`") {
		t.Errorf("damaged token file: %v", err)
	}
}
