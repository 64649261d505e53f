package oauth

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// LoginLoopback runs the installed-app authorization code flow with PKCE
// for provider (Gemini): it listens on 127.0.0.1 on a free port, prints the
// consent URL to out and opens the browser when open is set, waits for the
// redirect carrying the code (checking state), and exchanges the code with
// the PKCE verifier. The token is stored and returned.
func (s *Store) LoginLoopback(ctx context.Context, provider string, out io.Writer, open Opener) (*Token, error) {
	ep, err := s.loopbackEndpoint(provider)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth: %s: listening for the redirect: %w", provider, err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/oauth2callback"
	conf := ep.config(redirect)
	verifier, state := oauth2.GenerateVerifier(), randomState()

	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("state") != state {
			// Not our sign-in (another tab, a port scan): refuse it and keep
			// waiting for the real redirect, which carries our state.
			http.Error(w, "llxprt-ls: this sign-in does not belong to the login waiting here", http.StatusBadRequest)
			return
		}
		var res result
		switch {
		case q.Get("error") != "":
			res.err = fmt.Errorf("the sign-in was refused (%s): run `llxprt-ls auth login %s` to try again", q.Get("error"), provider)
		case q.Get("code") == "":
			res.err = errors.New("the redirect carries no code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			fmt.Fprintf(w, "<p>llxprt-ls: sign-in failed: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<p>llxprt-ls: signed in. You can close this tab.</p>")
		}
		select {
		case got <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	link := conf.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent"))
	fmt.Fprintf(out, "To sign in to %s, open\n\n  %s\n\nWaiting for the browser…\n", provider, link)
	if open != nil {
		if err := open(link); err != nil {
			fmt.Fprintf(out, "(could not open a browser: %v; open the link yourself)\n", err)
		}
	}
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: %s: waiting for the browser: %w", provider, ctx.Err())
	}
	if res.err != nil {
		return nil, fmt.Errorf("oauth: %s: %w", provider, res.err)
	}
	return s.exchange(ctx, ep, conf, res.code, verifier)
}

// LoginManual is the loopback flow for a machine without a browser: it
// prints the consent URL, whose redirect is a Google page showing the code,
// and reads the code the user pastes from in.
func (s *Store) LoginManual(ctx context.Context, provider string, in io.Reader, out io.Writer) (*Token, error) {
	ep, err := s.loopbackEndpoint(provider)
	if err != nil {
		return nil, err
	}
	conf := ep.config(ep.ManualRedirectURL)
	verifier := oauth2.GenerateVerifier()
	link := conf.AuthCodeURL(randomState(), oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent"))
	fmt.Fprintf(out, "To sign in to %s, open this link on any device:\n\n  %s\n\nthen paste the code it shows here: ", provider, link)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return nil, fmt.Errorf("oauth: %s: reading the code: %w", provider, err)
	}
	code := strings.TrimSpace(line)
	if code == "" {
		return nil, fmt.Errorf("oauth: %s: no code pasted: run `llxprt-ls auth login %s` again", provider, provider)
	}
	return s.exchange(ctx, ep, conf, code, verifier)
}

func (s *Store) loopbackEndpoint(provider string) (Endpoint, error) {
	ep, err := s.endpoint(provider)
	if err != nil {
		return ep, err
	}
	if ep.Flow != FlowLoopback {
		return ep, fmt.Errorf("oauth: %s logs in with the %s flow, not the browser redirect flow", provider, ep.Flow)
	}
	return ep, nil
}

// exchange trades an authorization code for a token and stores it.
func (s *Store) exchange(ctx context.Context, ep Endpoint, conf *oauth2.Config, code, verifier string) (*Token, error) {
	ot, err := conf.Exchange(s.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: %s: exchanging the code: %w", ep.Provider, oauthError(err))
	}
	t := fromOAuth2(ot, nil, s.opt.Now())
	if t.Account == "" {
		t.Account = s.userInfo(ctx, ep, t.AccessToken)
	}
	if err := s.Save(ctx, ep.Provider, t); err != nil {
		return nil, err
	}
	return t, nil
}

// userInfo asks the userinfo endpoint for the account's email; "" when
// there is none or it fails (the account is only shown in status).
func (s *Store) userInfo(ctx context.Context, ep Endpoint, access string) string {
	if ep.UserInfoURL == "" {
		return ""
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.UserInfoURL, nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.hc.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var u struct {
		Email string `json:"email"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&u) != nil {
		return ""
	}
	return u.Email
}

// revoke asks the server to revoke token (RFC 7009); best effort.
func (s *Store) revoke(ctx context.Context, ep Endpoint, token string) error {
	if ep.RevokeURL == "" || token == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.RevokeURL, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("oauth: %s: revoking: %w", ep.Provider, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("oauth: %s: revoking: HTTP %d", ep.Provider, resp.StatusCode)
	}
	return nil
}

func randomState() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
