package gemini

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func TestCredentials(t *testing.T) {
	var calls atomic.Int64
	token := func(ctx context.Context) (string, error) {
		calls.Add(1)
		return "ya29.token-" + string(rune('0'+calls.Load())), nil
	}
	tests := []struct {
		name       string
		cfg        providers.Config
		wantKey    string
		wantBearer string
	}{
		{"api key", providers.Config{APIKey: "AIza-secret"}, "AIza-secret", ""},
		{"token", providers.Config{Token: token}, "", "Bearer ya29.token-1"},
		{"token wins over key", providers.Config{APIKey: "AIza-secret", Token: token}, "", "Bearer ya29.token-2"},
		{"neither", providers.Config{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			tt.cfg.BaseURL = srv.URL
			tt.cfg.Headers = map[string]string{"X-Team": "llxprt"}
			c := newClient(t, tt.cfg)
			if _, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash"))); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			rec := srv.Requests()[0]
			if got := rec.Header.Get("x-goog-api-key"); got != tt.wantKey {
				t.Errorf("x-goog-api-key = %q, want %q", got, tt.wantKey)
			}
			if got := rec.Header.Get("Authorization"); got != tt.wantBearer {
				t.Errorf("Authorization = %q, want %q", got, tt.wantBearer)
			}
			if rec.Query != "alt=sse" {
				t.Errorf("query = %q, want alt=sse only (never the key)", rec.Query)
			}
			if got := rec.Header.Get("X-Team"); got != "llxprt" {
				t.Errorf("X-Team = %q, want the configured header", got)
			}
		})
	}
}

func TestTokenFailureIsAuth(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) {
		return "", errors.New("refresh token revoked")
	}})
	_, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash")))
	if err == nil || err.Kind != providers.KindAuth {
		t.Fatalf("err = %v, want auth", err)
	}
	if srv.Total() != 0 {
		t.Errorf("a request was sent without a token")
	}
}

// TestEnvironmentIgnored shows the SDK's environment lookups are
// neutralised: keys, base URL and Vertex switches in the environment change
// nothing, and a token-only client never tries Application Default
// Credentials (which would reach Google's metadata server).
func TestEnvironmentIgnored(t *testing.T) {
	envs := []map[string]string{
		{"GOOGLE_API_KEY": "env-google-key"},
		{"GEMINI_API_KEY": "env-gemini-key"},
	}
	for _, env := range envs {
		for k, v := range env {
			t.Run(k, func(t *testing.T) {
				t.Setenv(k, v)
				t.Setenv("GOOGLE_GEMINI_BASE_URL", providertest.DeadURL())
				t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
				t.Setenv("GOOGLE_GENAI_USE_ENTERPRISE", "true")
				t.Setenv("GOOGLE_CLOUD_PROJECT", "env-project")
				t.Setenv("GOOGLE_CLOUD_LOCATION", "us-central1")
				t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/adc.json")
				t.Setenv("GCE_METADATA_HOST", providertest.DeadURL()[len("http://"):])
				srv := newServer(t)
				c := newClient(t, providers.Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) { return "tok", nil }})
				if _, err := collect(t, c.Stream(t.Context(), hello("gemini-2.5-flash"))); err != nil {
					t.Fatalf("Stream: %v", err)
				}
				rec := srv.Requests()[0]
				if got := rec.Header.Get("x-goog-api-key"); got != "" {
					t.Errorf("x-goog-api-key = %q, want none", got)
				}
				if rec.Path != "/v1beta/models/gemini-2.5-flash:streamGenerateContent" {
					t.Errorf("path = %q: not the Gemini API", rec.Path)
				}
				// Without a base URL the client still targets Google, not the env's.
				d, err := New(providers.Config{APIKey: "k"})
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if got := d.genai.ClientConfig().HTTPOptions.BaseURL; got != DefaultBaseURL {
					t.Errorf("default base URL = %q, want %q", got, DefaultBaseURL)
				}
			})
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		suffix string
		path   string
	}{
		{"", "/v1beta/models/m:streamGenerateContent"},
		{"/", "/v1beta/models/m:streamGenerateContent"},
		{"/v1", "/v1/models/m:streamGenerateContent"},
		{"/v1beta/", "/v1beta/models/m:streamGenerateContent"},
		{"/proxy/gemini", "/proxy/gemini/v1beta/models/m:streamGenerateContent"},
		{"/proxy/v1alpha", "/proxy/v1alpha/models/m:streamGenerateContent"},
	}
	srv := newServer(t)
	for _, tt := range tests {
		t.Run(tt.suffix, func(t *testing.T) {
			srv.Reset()
			c := newClient(t, providers.Config{BaseURL: srv.URL + tt.suffix, APIKey: "k"})
			if _, err := collect(t, c.Stream(t.Context(), hello("m"))); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if got := srv.Requests()[0].Path; got != tt.path {
				t.Errorf("path = %q, want %q", got, tt.path)
			}
		})
	}
	if _, err := New(providers.Config{BaseURL: "not a url"}); err == nil {
		t.Error("New accepted a relative base URL")
	}
}

// countingTransport counts round trips through a caller's client.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestHTTPClientUsedAndNotModified(t *testing.T) {
	srv := newServer(t)
	tr := defaultTransport(0)
	t.Cleanup(tr.CloseIdleConnections)
	ct := &countingTransport{next: tr}
	hc := &http.Client{Transport: ct}
	c := newClient(t, providers.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: hc})
	if _, err := collect(t, c.Stream(t.Context(), hello("m"))); err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if ct.n.Load() != 1 {
		t.Errorf("caller's transport saw %d requests, want 1", ct.n.Load())
	}
	if hc.Transport != ct {
		t.Error("New replaced the caller's transport")
	}
}
