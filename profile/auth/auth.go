package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zalando/go-keyring"
)

// The kinds a [Source] can have.
const (
	KindKey     = "key"     // an inline key in the profile
	KindKeyfile = "keyfile" // a file holding the key
	KindKeyring = "keyring" // a named entry in the OS keyring
	KindEnv     = "env"     // the provider's environment variable
	KindOAuth   = "oauth"   // an OAuth bearer token
	KindNone    = "none"    // a local server that needs no credential
	KindMissing = "missing" // nothing found: calls fail with an auth error
)

// KeyringService is the keyring service LLxprt Code stores named API keys
// under (`/key save NAME KEY`), so a key saved there is found here.
const KeyringService = "llxprt-code-provider-keys"

// Source says where a credential came from. It never holds the secret, so it
// can go into status output and logs as is.
type Source struct {
	Kind   string `json:"kind"`             // one of the Kind* constants
	Detail string `json:"detail,omitempty"` // "ANTHROPIC_API_KEY", "~/.keys/a.key", "ephemeralSettings.auth-key"
}

func (s Source) String() string {
	if s.Detail == "" {
		return s.Kind
	}
	return s.Kind + " (" + s.Detail + ")"
}

// Credential is what an adapter needs to authenticate. At most one of Key and
// Token is set; neither is set for [KindNone] and [KindMissing].
type Credential struct {
	Key    string
	Token  func(ctx context.Context) (string, error)
	Source Source
}

// String never shows the secret, so a Credential printed by mistake is safe.
func (c Credential) String() string { return "credential from " + c.Source.String() }

// GoString is String, for %#v.
func (c Credential) GoString() string { return c.String() }

// OAuthSource hands out bearer-token functions per provider. The OAuth token
// store (a later issue) implements it; a nil OAuthSource means no OAuth.
type OAuthSource interface {
	TokenFunc(provider string) (func(ctx context.Context) (string, error), bool)
}

// Spec is what a profile says about one bucket's credential.
type Spec struct {
	// Key is an inline key (bucket "key", subProfile "apiKey", or
	// ephemeralSettings "auth-key"); KeyFrom names where it was written, for
	// [Source.Detail].
	Key, KeyFrom string
	// Keyfile is a path to a file holding the key; "~" is expanded.
	Keyfile string
	// KeyName is the name of an entry in the OS keyring ([KeyringService]).
	KeyName string
	// Optional is true when the endpoint needs no key (local OpenAI-compatible
	// servers); a missing credential is then [KindNone], not an error.
	Optional bool
	// OAuthOnly skips every key source and asks OAuth alone (LLxprt Code's
	// ephemeral "authOnly" and `"auth": {"type": "oauth"}`).
	OAuthOnly bool
}

// Resolver looks credentials up. Its fields are the outside world, so tests
// replace them; the zero value of each means "not available".
type Resolver struct {
	// Env reads an environment variable.
	Env func(string) string
	// Keyring reads a secret from the OS keyring.
	Keyring func(service, user string) (string, error)
	// OAuth supplies OAuth tokens; nil until issue 8 plugs one in.
	OAuth OAuthSource
	// Home is the home directory for "~" in keyfile paths; empty means
	// os.UserHomeDir.
	Home string
}

// NewResolver returns a Resolver on the real keyring, reading variables with
// env (nil means os.Getenv).
func NewResolver(env func(string) string) *Resolver {
	if env == nil {
		env = os.Getenv
	}
	return &Resolver{Env: env, Keyring: keyring.Get}
}

// ErrNoCredential is the cause of every "nothing found" error from Resolve.
var ErrNoCredential = errors.New("no credential")

// Resolve returns the credential for one bucket of provider: the first of
// spec's inline key, spec's keyfile, spec's keyring entry, the provider's
// environment variables, an OAuth token. When none is found it returns a
// [KindNone] credential if spec.Optional, else an error wrapping
// [ErrNoCredential] that lists every place it looked. A configured keyfile
// or keyring entry that cannot be read is an error at once rather than a
// silent fall-through, so a typo never sends the wrong key.
func (r *Resolver) Resolve(ctx context.Context, provider string, spec Spec) (Credential, error) {
	if err := ctx.Err(); err != nil {
		return Credential{}, err
	}
	if spec.OAuthOnly {
		if r.OAuth != nil {
			if tf, ok := r.OAuth.TokenFunc(provider); ok && tf != nil {
				return Credential{Token: tf, Source: Source{Kind: KindOAuth, Detail: provider}}, nil
			}
		}
		return Credential{Source: Source{Kind: KindMissing}}, fmt.Errorf("auth: %w for %s: the profile asks for OAuth only (authOnly, or \"auth\": {\"type\": \"oauth\"}) and there is no OAuth login: log in with `llxprt-ls auth login %s`, or remove authOnly to use keys", ErrNoCredential, provider, provider)
	}
	if k := strings.TrimSpace(spec.Key); k != "" {
		from := spec.KeyFrom
		if from == "" {
			from = "profile"
		}
		return Credential{Key: k, Source: Source{Kind: KindKey, Detail: from}}, nil
	}
	if spec.Keyfile != "" {
		key, err := ReadKeyfile(spec.Keyfile, r.home())
		if err != nil {
			return Credential{}, err
		}
		return Credential{Key: key, Source: Source{Kind: KindKeyfile, Detail: spec.Keyfile}}, nil
	}
	if spec.KeyName != "" {
		key, err := r.fromKeyring(spec.KeyName)
		if err != nil {
			return Credential{}, err
		}
		return Credential{Key: key, Source: Source{Kind: KindKeyring, Detail: spec.KeyName}}, nil
	}
	vars := EnvVars(provider)
	if r.Env != nil {
		for _, v := range vars {
			if k := strings.TrimSpace(r.Env(v)); k != "" {
				return Credential{Key: k, Source: Source{Kind: KindEnv, Detail: v}}, nil
			}
		}
	}
	if r.OAuth != nil {
		if tf, ok := r.OAuth.TokenFunc(provider); ok && tf != nil {
			return Credential{Token: tf, Source: Source{Kind: KindOAuth, Detail: provider}}, nil
		}
	}
	if spec.Optional {
		return Credential{Source: Source{Kind: KindNone}}, nil
	}
	return Credential{Source: Source{Kind: KindMissing}}, missingError(provider, vars)
}

func missingError(provider string, vars []string) error {
	var fix []string
	if len(vars) > 0 {
		fix = append(fix, "set "+strings.Join(vars, " or "))
	}
	fix = append(fix, `add "auth-keyfile": "~/.keys/`+provider+`.key" (chmod 600)`, `"auth-key-name" (a key saved in the OS keyring)`, `an inline "key"`)
	looked := "no inline key, keyfile or keyring name in the profile"
	if len(vars) > 0 {
		looked += ", " + strings.Join(vars, " and ") + " unset"
	}
	looked += ", no OAuth login"
	return fmt.Errorf("auth: %w for %s (%s): %s", ErrNoCredential, provider, looked, strings.Join(fix, ", or "))
}

func (r *Resolver) home() string {
	if r.Home != "" {
		return r.Home
	}
	h, _ := os.UserHomeDir()
	return h
}

func (r *Resolver) fromKeyring(name string) (string, error) {
	if r.Keyring == nil {
		return "", fmt.Errorf("auth: auth-key-name %q: no OS keyring available: use auth-keyfile or an environment variable instead", name)
	}
	key, err := r.Keyring(KeyringService, name)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "", fmt.Errorf("auth: auth-key-name %q: no such key in the OS keyring (service %q): save it with `llxprt /key save %s KEY`, or fix the name", name, KeyringService, name)
	case err != nil:
		// The keyring's own error text never holds the secret; it says why
		// the service could not be reached (no D-Bus, no Secret Service).
		return "", fmt.Errorf("auth: auth-key-name %q: the OS keyring is not reachable (%v): start a keyring service (gnome-keyring, KWallet) or use auth-keyfile instead", name, err)
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", fmt.Errorf("auth: auth-key-name %q: the keyring entry is empty", name)
	}
	return key, nil
}
