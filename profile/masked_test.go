package profile

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMasked(t *testing.T) {
	p, err := Parse([]byte(`{
  "provider": "openai", "model": "gpt-5.2",
  "ephemeralSettings": {
    "auth-key": "sk-proj-AUTHKEY-abcdef0001",
    "auth-keyfile": "~/.keys/openai.key",
    "auth-key-name": "work",
    "custom-headers": {"Authorization": "Bearer sk-HEADER-abcdef0002", "X-Team": "platform"}
  },
  "modelParams": {"max_tokens": 100, "thinking": {"type": "enabled", "budget_tokens": 50}},
  "loadBalancer": {"strategy": "round-robin", "subProfiles": [
    {"name": "a", "provider": "openai", "apiKey": "sk-SUBPROFILE-abcdef0003"}
  ]},
  "oauth": {"client_secret": "SECRET-CLIENT-abcdef0004", "refresh_token": "1//REFRESH-abcdef0005"}
}`), "m.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(p.Masked())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, secret := range []string{"AUTHKEY", "HEADER", "SUBPROFILE", "SECRET-CLIENT", "REFRESH"} {
		if strings.Contains(s, secret) {
			t.Errorf("Masked shows %s: %s", secret, s)
		}
	}
	for _, kept := range []string{`"auth-keyfile":"~/.keys/openai.key"`, `"auth-key-name":"work"`, `"X-Team":"platform"`, `"max_tokens":100`, `"budget_tokens":50`, `"auth-key":"sk-…0001"`} {
		if !strings.Contains(s, kept) {
			t.Errorf("Masked lost %s: %s", kept, s)
		}
	}
	// Masking works on a copy.
	if p.Ephemeral["auth-key"] != "sk-proj-AUTHKEY-abcdef0001" {
		t.Error("Masked changed the profile")
	}
}
