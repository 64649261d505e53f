package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// TestRefreshErrorKinds checks how a failed refresh is classified: a token
// the server will not take again is an auth error with the login hint (the
// balancer fails over); a busy or broken server is transient. The server
// echoes a sentinel secret in every body, which must never reach the error.
func TestRefreshErrorKinds(t *testing.T) {
	const echoed = "SENTINEL-ECHOED-SECRET-0001"
	tests := []struct {
		name    string
		status  int
		body    string
		kind    providers.ErrorKind
		revoked bool
	}{
		{"invalid_grant", 400, `{"error":"invalid_grant","error_description":"` + echoed + `"}`, providers.KindAuth, true},
		{"qwen 400 invalid_request", 400, `{"error":"invalid_request","error_description":"` + echoed + `"}`, providers.KindAuth, true},
		{"401 without body", 401, "", providers.KindAuth, true},
		{"rate limited", 429, `{"error":"` + echoed + `"}`, providers.KindRateLimited, false},
		{"overloaded", 503, echoed, providers.KindOverloaded, false},
		{"server error", 500, echoed, providers.KindServer, false},
		{"html challenge page", 200, "<html>" + echoed + "</html>", providers.KindNetwork, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.body != "" && tt.body[0] == '{' {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			env := func(k string) string {
				if k == EnvQwenBase {
					return srv.URL
				}
				return ""
			}
			s := NewStore(t.TempDir(), Options{Env: env})
			seed(t, s, Qwen, "fake-access-SENTINEL-0002", "fake-refresh-SENTINEL-0003", time.Now().Add(-time.Hour))
			_, err := s.Token(t.Context(), Qwen)
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tt.kind {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			if got := errors.Is(err, ErrRevoked); got != tt.revoked {
				t.Errorf("revoked = %v, want %v (%v)", got, tt.revoked, err)
			}
			if tt.revoked && !strings.Contains(err.Error(), "run `llxprt-ls auth login qwen`") {
				t.Errorf("no login hint: %v", err)
			}
			all := fmt.Sprintf("%v | %+v | %v", err, err, pe.Err)
			noSecrets(t, "error", all, echoed, "SENTINEL-0002", "SENTINEL-0003")
		})
	}
}
