package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/oauth2"

	"github.com/llxprt/llxprt-ls/providers"
)

// Opener opens a URL in the user's browser; nil means do not try.
type Opener func(url string) error

// LoginDevice runs the device authorization grant (RFC 8628) with PKCE for
// provider (Qwen): it asks for a device code, prints the verification URL
// and user code to out, opens the browser when open is set, and polls the
// token endpoint at the server's interval (5 s more after each slow_down)
// until the user approves, denies, or the code expires. The token is stored
// and returned.
func (s *Store) LoginDevice(ctx context.Context, provider string, out io.Writer, open Opener) (*Token, error) {
	ep, err := s.endpoint(provider)
	if err != nil {
		return nil, err
	}
	if ep.Flow != FlowDevice {
		return nil, fmt.Errorf("oauth: %s logs in with the %s flow, not the device flow", provider, ep.Flow)
	}
	conf := ep.config("")
	verifier := oauth2.GenerateVerifier()
	hctx := s.ctx(ctx)
	da, err := conf.DeviceAuth(hctx, oauth2.S256ChallengeOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth: %s: asking for a device code: %w", provider, oauthError(err))
	}
	link := da.VerificationURI
	if da.VerificationURIComplete != "" {
		link = da.VerificationURIComplete
	}
	fmt.Fprintf(out, "To sign in to %s, open\n\n  %s\n\nand enter the code  %s\n\nWaiting for approval…\n", provider, link, da.UserCode)
	if open != nil {
		if err := open(link); err != nil {
			fmt.Fprintf(out, "(could not open a browser: %v; open the link yourself)\n", err)
		}
	}
	ot, err := conf.DeviceAccessToken(hctx, da, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, deviceError(ctx, provider, err)
	}
	t := fromOAuth2(ot, nil, s.opt.Now())
	if t.Account == "" {
		t.Account = s.userInfo(ctx, ep, t.AccessToken)
	}
	if err := s.Save(ctx, provider, t); err != nil {
		return nil, err
	}
	return t, nil
}

// deviceError says what ended the polling in words a user acts on.
func deviceError(ctx context.Context, provider string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "access_denied":
			return fmt.Errorf("oauth: %s: the sign-in was denied in the browser: run `llxprt-ls auth login %s` to try again", provider, provider)
		case "expired_token":
			return fmt.Errorf("oauth: %s: the code expired before it was approved: run `llxprt-ls auth login %s` again", provider, provider)
		}
		return fmt.Errorf("oauth: %s: %w", provider, oauthError(err))
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		// DeviceAccessToken's own deadline is the code's expires_in.
		return fmt.Errorf("oauth: %s: the code expired before it was approved: run `llxprt-ls auth login %s` again", provider, provider)
	}
	return fmt.Errorf("oauth: %s: waiting for approval: %w", provider, err)
}

// oauthError reduces an x/oauth2 error to its OAuth error code and
// description: RetrieveError's text quotes the whole response body, which
// on a success-shaped reply could hold a token.
func oauthError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	msg := fmt.Sprintf("HTTP %d", status)
	if c := safeCode(re.ErrorCode); c != "" {
		msg += " " + c
	}
	if re.ErrorDescription != "" {
		msg += ": " + providers.Shorten(re.ErrorDescription, 200)
	}
	return errors.New(msg)
}
