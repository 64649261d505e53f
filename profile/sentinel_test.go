package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/zalando/go-keyring"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// Sentinel secrets, one per credential source.
const (
	sentinelInline  = "sk-SENTINEL-INLINE-7f3a9c01"
	sentinelKeyfile = "sk-SENTINEL-KEYFILE-7f3a9c02"
	sentinelKeyring = "sk-SENTINEL-KEYRING-7f3a9c03"
	sentinelEnv     = "AIza-SENTINEL-ENV-7f3a9c04"
	sentinelOAuth   = "ya29.SENTINEL-OAUTH-7f3a9c05"
)

var allSentinels = []string{sentinelInline, sentinelKeyfile, sentinelKeyring, sentinelEnv, sentinelOAuth}

// echoKey answers 401 quoting the credential it was sent, as some vendors
// do, so the test proves redaction rather than luck.
func echoKey(rec providertest.Recorded) providertest.Script {
	key := rec.Header.Get("x-api-key") + rec.Header.Get("x-goog-api-key") + strings.TrimPrefix(rec.Header.Get("Authorization"), "Bearer ")
	return providertest.Script{Status: 401, Message: "Incorrect API key provided: " + key}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Secrets from every source never reach logs, status, show, errors, or a
// saved file other than the one they came from.
func TestSentinelSecretsNeverLeak(t *testing.T) {
	ant, oai, gem := providertest.NewAnthropic(), providertest.NewOpenAI(), providertest.NewGemini()
	for _, s := range []*providertest.Server{ant, oai, gem} {
		s.SetResponder(echoKey)
		t.Cleanup(s.Close)
	}
	// Gemini rate-limits instead, so a cooldown (and its reason) goes into
	// the shared health state file.
	gem.SetResponder(func(rec providertest.Recorded) providertest.Script {
		sc := echoKey(rec)
		sc.Status, sc.Headers = 429, map[string]string{"retry-after": "60"}
		return sc
	})
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "openai.key"), []byte(sentinelKeyfile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := &auth.Resolver{
		Env:  envOf(map[string]string{"GEMINI_API_KEY": sentinelEnv}),
		Home: home,
		Keyring: func(service, user string) (string, error) {
			if user == "work-openai" {
				return sentinelKeyring, nil
			}
			return "", keyring.ErrNotFound
		},
		OAuth: oauthFake{"qwen": sentinelOAuth},
	}
	prof := fmt.Sprintf(`{
  "version": 1, "provider": "lb", "model": "claude-sonnet-4-5",
  "ephemeralSettings": {"context-limit": 200000, "failover_retry_count": 1, "lb": {"type": "failover", "buckets": [
    {"provider": "anthropic", "model": "claude-sonnet-4-5", "base-url": %q, "key": %q},
    {"provider": "openai", "model": "gpt-5.2", "base-url": %q, "auth-keyfile": "~/openai.key"},
    {"provider": "openai", "model": "gpt-5.2-mini", "base-url": %q, "auth-key-name": "work-openai"},
    {"provider": "gemini", "model": "gemini-3-flash-preview", "base-url": %q},
    {"provider": "qwen", "model": "qwen3-coder-pro", "base-url": %q}
  ]}}}`, ant.URL, sentinelInline, oai.URL+"/v1", oai.URL+"/v1", gem.URL, oai.URL+"/v1")

	cfg := t.TempDir()
	store := OpenStore(cfg)
	if err := store.SaveRaw("secret", []byte(prof)); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveRaw("plain", readTestdata(t, "recipe/high-availability.json")); err != nil {
		t.Fatal(err)
	}
	p, err := store.Load("secret")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	var eventsMu sync.Mutex
	var events []balancer.Event
	built, err := Build(t.Context(), p, BuildOptions{
		Store: store, Name: "secret", Creds: creds,
		SharedState: NewHealthState(cfg),
		Logger:      zerolog.New(&logs).Level(zerolog.DebugLevel),
		Observer: func(e balancer.Event) {
			eventsMu.Lock()
			defer eventsMu.Unlock()
			events = append(events, e)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKinds := []string{auth.KindKey, auth.KindKeyfile, auth.KindKeyring, auth.KindEnv, auth.KindOAuth}
	for i, s := range built.Credentials {
		if s.Kind != wantKinds[i] {
			t.Errorf("bucket %d credential %v, want kind %s", i+1, s, wantKinds[i])
		}
	}

	// Every bucket answers 401 quoting its key.
	var streamErr error
	for _, err := range built.Balancer.Stream(t.Context(), &providers.Request{Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}) {
		if err != nil {
			streamErr = err
		}
	}
	if streamErr == nil {
		t.Fatal("every bucket answers 401, yet the stream succeeded")
	}
	echoed := 0
	for _, s := range []*providertest.Server{ant, oai, gem} {
		for _, r := range s.Requests() {
			for _, sec := range allSentinels {
				if strings.Contains(string(r.Header.Get("x-api-key")+r.Header.Get("x-goog-api-key")+r.Header.Get("Authorization")), sec) {
					echoed++
				}
			}
		}
	}
	if echoed < len(allSentinels) {
		t.Fatalf("only %d of %d credentials reached the fakes", echoed, len(allSentinels))
	}

	// A Build error and the credential errors.
	_, buildErr := Build(t.Context(), mustParse(t, "recipe/high-availability.json"), BuildOptions{Name: "x", Creds: &auth.Resolver{Env: envOf(nil)}})

	show, _ := json.Marshal(p.Masked())
	list, _ := store.List()
	listJSON, _ := json.Marshal(list)
	status, _ := json.Marshal(struct {
		Buckets     []balancer.Bucket
		Credentials []auth.Source
		Warnings    []string
	}{built.Balancer.Buckets(), built.Credentials, built.Warnings})
	eventsMu.Lock()
	eventsJSON, _ := json.Marshal(events)
	eventsMu.Unlock()
	places := map[string]string{
		"logs":         logs.String(),
		"show":         string(show),
		"list":         string(listJSON),
		"status":       string(status),
		"events":       string(eventsJSON),
		"stream error": fmt.Sprintf("%v | %+v | %#v", streamErr, streamErr, streamErr.Error()),
		"build error":  fmt.Sprint(buildErr),
	}
	for where, text := range places {
		for _, sec := range allSentinels {
			if strings.Contains(text, sec) {
				t.Errorf("%s leaks %s:\n%s", where, sec, text)
			}
		}
	}
	if !strings.Contains(string(show), `"key":"sk-…9c01"`) {
		t.Errorf("show does not mask the inline key: %s", show)
	}
	if !strings.Contains(streamErr.Error(), "…9c01") {
		t.Errorf("stream error lost the vendor's (masked) message: %v", streamErr)
	}

	// Saving again, setting the default and the health state write files:
	// only secret.json may hold a secret, and only its own inline key.
	if err := store.Save("secret", p, ""); err != nil {
		t.Fatal(err)
	}
	if err := store.Save("copy-as-toml", mustParse(t, "recipe/high-availability.json"), FormatTOML); err != nil {
		t.Fatal(err)
	}
	if err := store.SetDefault("secret"); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(cfg, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range allSentinels {
			if !strings.Contains(string(data), sec) {
				continue
			}
			if filepath.Base(path) == "secret.json" && sec == sentinelInline {
				continue
			}
			t.Errorf("%s holds %s", path, sec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg, "state", "health.json")); err != nil {
		t.Errorf("no health state was written: %v", err)
	}
}
