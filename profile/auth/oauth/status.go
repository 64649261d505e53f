package oauth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Status is one provider's OAuth login as editors, MCP clients and
// `llxprt-ls auth status` show it. It never holds a token.
type Status struct {
	Provider string `json:"provider"`
	LoggedIn bool   `json:"logged_in"`
	// Account is the signed-in email when the server said.
	Account string `json:"account,omitempty"`
	// Expiry is when the access token expires; a refresh renews it
	// without the user when Refreshable.
	Expiry      time.Time `json:"expiry,omitzero"`
	Expired     bool      `json:"expired,omitempty"`
	Refreshable bool      `json:"refreshable,omitempty"`
	// BaseURL is the API endpoint the token is for, when the token says.
	BaseURL string `json:"base_url,omitempty"`
	// Message says what the state means and what to do about it.
	Message string `json:"message"`
}

// Status reports provider's login from the stored token, without network.
func (s *Store) Status(provider string) Status {
	st := Status{Provider: provider}
	if !Supported(provider) {
		_, err := s.endpoint(provider)
		st.Message = err.Error()
		return st
	}
	t, err := s.Load(provider)
	if err != nil {
		if errors.Is(err, ErrNotLoggedIn) {
			st.Message = fmt.Sprintf("not logged in: run `llxprt-ls auth login %s` in a terminal", provider)
		} else {
			st.Message = err.Error()
		}
		return st
	}
	now := s.opt.Now()
	st.LoggedIn, st.Account, st.Expiry = true, t.Account, t.Expiry
	st.Expired = !t.Expiry.IsZero() && !now.Before(t.Expiry)
	st.Refreshable = t.RefreshToken != ""
	if t.ResourceURL != "" {
		st.BaseURL = resourceURL(t.ResourceURL)
	}
	switch {
	case !st.Expired:
		st.Message = "logged in"
		if !t.Expiry.IsZero() {
			st.Message += fmt.Sprintf("; the token expires in %s", t.Expiry.Sub(now).Round(time.Second))
			if st.Refreshable {
				st.Message += " and renews itself"
			}
		}
	case st.Refreshable:
		st.Message = "logged in; the access token has expired and is renewed on the next request"
	default:
		st.Message = fmt.Sprintf("the token has expired and cannot be renewed: run `llxprt-ls auth login %s`", provider)
		st.LoggedIn = false
	}
	return st
}

// StatusAll is [Store.Status] for every provider with an OAuth login.
func (s *Store) StatusAll() []Status {
	out := make([]Status, 0, len(Providers()))
	for _, p := range Providers() {
		out = append(out, s.Status(p))
	}
	return out
}

// Logout deletes provider's token file, first asking the server to revoke
// the refresh token where it has a revocation endpoint (best effort: the
// file goes either way). removed is false when there was nothing to delete.
func (s *Store) Logout(ctx context.Context, provider string) (removed bool, err error) {
	ep, err := s.endpoint(provider)
	if err != nil {
		return false, err
	}
	// Under the provider's lock: a refresh in another window would
	// otherwise write the token back right after it is deleted.
	var revokeErr error
	err = s.locked(ctx, provider, func() error {
		s.forget(provider)
		if t, lerr := s.Load(provider); lerr == nil {
			tok := t.RefreshToken
			if tok == "" {
				tok = t.AccessToken
			}
			revokeErr = s.revoke(ctx, ep, tok)
		}
		s.forget(provider)
		err := os.Remove(s.Path(provider))
		if err == nil {
			removed = true
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		return removed, fmt.Errorf("oauth: %s: %w", provider, err)
	}
	if !removed {
		return false, nil
	}
	return true, revokeErr
}
