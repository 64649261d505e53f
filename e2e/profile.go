package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// OpenAIBucket is a recipe bucket for an OpenAI-compatible fake at url,
// pinned to Chat Completions so every front end and the direct SDK hit the
// same route.
func OpenAIBucket(url string) map[string]any {
	return map[string]any{"provider": "openai", "model": "gpt-4.1", "base-url": url + "/v1", "key": "sk-e2e-not-a-secret", "api": "chat"}
}

// Bucket is a recipe bucket for any provider's fake at url.
func Bucket(provider, model, url string) map[string]any {
	return map[string]any{"provider": provider, "model": model, "base-url": url, "key": "e2e-key-not-secret"}
}

// Profile is a recipe load-balancer profile: settings go into
// ephemeralSettings (balancer/SETTINGS.md), buckets into lb.
func Profile(policy string, settings map[string]any, buckets ...map[string]any) map[string]any {
	eph := map[string]any{}
	for k, v := range settings {
		eph[k] = v
	}
	eph["lb"] = map[string]any{"type": policy, "buckets": buckets}
	return map[string]any{"version": 1, "provider": "lb", "model": "gpt-4.1", "ephemeralSettings": eph}
}

// ConfigDir makes a config directory under dir holding the profiles given
// by name, the first one the default, and returns its path.
func ConfigDir(dir string, profiles map[string]any, def string) (string, error) {
	cfg := filepath.Join(dir, "config")
	if err := os.MkdirAll(filepath.Join(cfg, "profiles"), 0o700); err != nil {
		return "", fmt.Errorf("e2e: config dir: %w", err)
	}
	for name, doc := range profiles {
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return "", fmt.Errorf("e2e: profile %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(cfg, "profiles", name+".json"), b, 0o600); err != nil {
			return "", fmt.Errorf("e2e: profile %s: %w", name, err)
		}
	}
	if def != "" {
		b, _ := json.Marshal(map[string]any{"defaultProfile": def})
		if err := os.WriteFile(filepath.Join(cfg, "settings.json"), b, 0o600); err != nil {
			return "", fmt.Errorf("e2e: settings: %w", err)
		}
	}
	return cfg, nil
}
