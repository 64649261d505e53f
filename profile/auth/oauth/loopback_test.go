package oauth

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser plays the user's browser: it follows the consent URL through the
// fake server's redirect to wherever it points.
func browser(t *testing.T) Opener {
	return func(link string) error {
		resp, err := http.Get(link)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), "llxprt-ls") {
			t.Errorf("callback page = %q", b)
		}
		return nil
	}
}

func TestLoginLoopback(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	var out bytes.Buffer
	tok, err := s.LoginLoopback(t.Context(), Gemini, &out, browser(t))
	if err != nil {
		t.Fatal(err)
	}
	if !fake.Valid(tok.AccessToken) {
		t.Errorf("token %v was not issued by the server", tok)
	}
	if tok.Account != "user@example.com" {
		t.Errorf("account = %q, want the id_token's email", tok.Account)
	}
	link := regexp.MustCompile(`http://\S+/o/oauth2/v2/auth\S+`).FindString(out.String())
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("no consent link in %q", out.String())
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("access_type") != "offline" || !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Errorf("consent URL %s lacks PKCE, offline access or the loopback redirect", link)
	}
	noSecrets(t, "login output", out.String(), tok.AccessToken, tok.RefreshToken)
	if st := s.Status(Gemini); !st.LoggedIn || st.Account != "user@example.com" {
		t.Errorf("status after login = %+v", st)
	}
}

func TestLoginLoopbackDenied(t *testing.T) {
	fake := newFake(t)
	fake.DenyAuthorization(true)
	s := newStore(t, fake, Options{})
	_, err := s.LoginLoopback(t.Context(), Gemini, io.Discard, browser(t))
	if err == nil || !strings.Contains(err.Error(), "access_denied") || !strings.Contains(err.Error(), "llxprt-ls auth login gemini") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoginLoopbackPKCEChecked proves the fake checks PKCE: a code sent back
// with another verifier is refused, so the happy path above really passed
// S256(code_verifier) == code_challenge.
func TestLoginLoopbackPKCEChecked(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	ep, err := s.endpoint(Gemini)
	if err != nil {
		t.Fatal(err)
	}
	conf := ep.config("http://127.0.0.1:1/oauth2callback")
	code := consentCode(t, conf.AuthCodeURL("st", s256Option("right-verifier-right-verifier-right-verifier-0001")))
	_, err = s.exchange(t.Context(), ep, conf, code, "wrong-verifier-wrong-verifier-wrong-verifier-00001")
	if err == nil || !strings.Contains(err.Error(), "PKCE verification failed") {
		t.Fatalf("exchange with the wrong verifier: %v", err)
	}
}

// consentCode visits a consent URL without following the redirect and
// returns the code it carries.
func consentCode(t *testing.T, link string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("consent answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// pasteReader is the user at a terminal without a browser: when asked for
// the code it opens the link printed so far on another device and types
// the code shown.
type pasteReader struct {
	t    *testing.T
	out  *bytes.Buffer
	done bool
}

func (p *pasteReader) Read(b []byte) (int, error) {
	if p.done {
		return 0, io.EOF
	}
	p.done = true
	link := regexp.MustCompile(`http://\S+/o/oauth2/v2/auth\S+`).FindString(p.out.String())
	if link == "" {
		return 0, errors.New("no link printed before the prompt")
	}
	return copy(b, consentCode(p.t, link)+"\n"), nil
}

func TestLoginManual(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	var out bytes.Buffer
	tok, err := s.LoginManual(t.Context(), Gemini, &pasteReader{t: t, out: &out}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.Valid(tok.AccessToken) {
		t.Errorf("token %v not issued by the server", tok)
	}
	if !strings.Contains(out.String(), url.QueryEscape(fake.URL+"/authcode")) {
		t.Errorf("manual flow does not redirect to the code page: %q", out.String())
	}
}

// A redirect with someone else's state is refused and the login keeps
// waiting for its own.
func TestLoginLoopbackIgnoresForeignState(t *testing.T) {
	fake := newFake(t)
	s := newStore(t, fake, Options{})
	real := browser(t)
	open := func(link string) error {
		u, err := url.Parse(link)
		if err != nil {
			return err
		}
		cb := u.Query().Get("redirect_uri") + "?state=not-ours&code=stolen"
		resp, err := http.Get(cb)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("foreign redirect answered %d, want 400", resp.StatusCode)
		}
		return real(link)
	}
	tok, err := s.LoginLoopback(t.Context(), Gemini, io.Discard, open)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.Valid(tok.AccessToken) {
		t.Errorf("token %v was not issued by the server", tok)
	}
}
