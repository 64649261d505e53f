package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zalando/go-keyring"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

type fakeOAuth map[string]string

func (f fakeOAuth) TokenFunc(p string) (func(context.Context) (string, error), bool) {
	tok, ok := f[p]
	if !ok {
		return nil, false
	}
	return func(context.Context) (string, error) { return tok, nil }, true
}

func writeKey(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolveOrder(t *testing.T) {
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeKey(t, filepath.Join(home, ".keys"), "a.key", "sk-ant-from-file-0001\n", 0o600)
	ring := map[string]string{"work": "sk-ant-from-ring-0002"}
	r := &Resolver{
		Env: envOf(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-from-env-0003", "GOOGLE_API_KEY": "AIza-google-0004"}),
		Keyring: func(service, user string) (string, error) {
			if service != KeyringService {
				t.Errorf("keyring service %q", service)
			}
			if v, ok := ring[user]; ok {
				return v, nil
			}
			return "", keyring.ErrNotFound
		},
		OAuth: fakeOAuth{"qwen": "oauth-token"},
		Home:  home,
	}
	tests := []struct {
		name     string
		provider string
		spec     Spec
		wantKey  string
		want     Source
	}{
		{"inline wins", "anthropic", Spec{Key: "sk-inline-0000", KeyFrom: "bucket 1 key", Keyfile: "~/.keys/a.key", KeyName: "work"}, "sk-inline-0000", Source{KindKey, "bucket 1 key"}},
		{"keyfile before keyring", "anthropic", Spec{Keyfile: "~/.keys/a.key", KeyName: "work"}, "sk-ant-from-file-0001", Source{KindKeyfile, "~/.keys/a.key"}},
		{"keyring before env", "anthropic", Spec{KeyName: "work"}, "sk-ant-from-ring-0002", Source{KindKeyring, "work"}},
		{"env", "anthropic", Spec{}, "sk-ant-from-env-0003", Source{KindEnv, "ANTHROPIC_API_KEY"}},
		{"gemini falls back to GOOGLE_API_KEY", "gemini", Spec{}, "AIza-google-0004", Source{KindEnv, "GOOGLE_API_KEY"}},
		{"oauth after env", "qwen", Spec{}, "", Source{KindOAuth, "qwen"}},
		{"none for local", "openai-compatible", Spec{Optional: true}, "", Source{KindNone, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := r.Resolve(t.Context(), tt.provider, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if c.Key != tt.wantKey {
				t.Errorf("key = %q, want %q", c.Key, tt.wantKey)
			}
			if diff := cmp.Diff(tt.want, c.Source); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
			if tt.want.Kind == KindOAuth {
				tok, err := c.Token(t.Context())
				if err != nil || tok != "oauth-token" {
					t.Errorf("token = %q, %v", tok, err)
				}
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	home := t.TempDir()
	writeKey(t, home, "open.key", "sk-secret-open-0644\n", 0o644)
	writeKey(t, home, "empty.key", "\n", 0o600)
	if err := os.Mkdir(filepath.Join(home, "dir.key"), 0o700); err != nil {
		t.Fatal(err)
	}
	noRing := func(string, string) (string, error) {
		return "", errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	}
	tests := []struct {
		name     string
		r        *Resolver
		provider string
		spec     Spec
		want     []string
	}{
		{"world-readable keyfile", &Resolver{Home: home}, "anthropic", Spec{Keyfile: "~/open.key"}, []string{"~/open.key", "readable by others", "chmod 600 " + filepath.Join(home, "open.key")}},
		{"keyfile is a directory", &Resolver{Home: home}, "anthropic", Spec{Keyfile: "~/dir.key"}, []string{"is a directory"}},
		{"missing keyfile", &Resolver{Home: home}, "anthropic", Spec{Keyfile: "~/nope.key"}, []string{"~/nope.key does not exist"}},
		{"empty keyfile", &Resolver{Home: home}, "anthropic", Spec{Keyfile: "~/empty.key"}, []string{"is empty"}},
		{"no keyring service", &Resolver{Keyring: noRing}, "anthropic", Spec{KeyName: "work"}, []string{`auth-key-name "work"`, "not reachable", "auth-keyfile"}},
		{"keyring entry missing", &Resolver{Keyring: func(string, string) (string, error) { return "", keyring.ErrNotFound }}, "anthropic", Spec{KeyName: "work"}, []string{"no such key"}},
		{"nothing anywhere", &Resolver{Env: envOf(nil)}, "gemini", Spec{}, []string{"no credential for gemini", "GEMINI_API_KEY or GOOGLE_API_KEY", "auth-keyfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.r.Resolve(t.Context(), tt.provider, tt.spec)
			if err == nil {
				t.Fatalf("no error, got source %v", c.Source)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

func TestResolveMissingIsErrNoCredential(t *testing.T) {
	c, err := (&Resolver{}).Resolve(t.Context(), "anthropic", Spec{})
	if !errors.Is(err, ErrNoCredential) {
		t.Fatalf("err = %v, want ErrNoCredential", err)
	}
	if c.Source.Kind != KindMissing {
		t.Errorf("kind = %q", c.Source.Kind)
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"short", "…****"},
		{"sk-ant-api03-abcdefghijklmnop9f2c", "sk-ant-…9f2c"},
		{"sk-proj-abcdefghijklmnop1234", "sk-…1234"},
		{"AIzaSyABCDEFGHIJKLMNOPQRSTUV", "…STUV"},
		// A rune cut by the 4-byte tail is dropped, not emitted half.
		{"key-abcdefghijklmnop€12", "key-…12"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("sk-ant-api03-SECRETSECRET9f2c", "x")
	got := r.Redact("401: invalid key sk-ant-api03-SECRETSECRET9f2c, x stays")
	want := "401: invalid key sk-ant-…9f2c, x stays"
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

func TestCredentialStringHidesKey(t *testing.T) {
	c := Credential{Key: "sk-ant-SENTINEL-abcdef", Source: Source{KindEnv, "ANTHROPIC_API_KEY"}}
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, "SENTINEL") {
			t.Errorf("%q leaks the key", s)
		}
	}
}

func TestResolveOAuthOnly(t *testing.T) {
	r := &Resolver{Env: envOf(map[string]string{"GEMINI_API_KEY": "AIza-env-key-0000001"}), OAuth: fakeOAuth{"gemini": "ya29.token"}}
	c, err := r.Resolve(t.Context(), "gemini", Spec{Key: "inline-key-000000", OAuthOnly: true})
	if err != nil || c.Source.Kind != KindOAuth || c.Key != "" {
		t.Fatalf("OAuthOnly: %v, %v", c.Source, err)
	}
	r.OAuth = nil
	_, err = r.Resolve(t.Context(), "gemini", Spec{OAuthOnly: true})
	if !errors.Is(err, ErrNoCredential) || !strings.Contains(err.Error(), "llxprt-ls auth login gemini") {
		t.Errorf("OAuthOnly without OAuth: %v", err)
	}
}
