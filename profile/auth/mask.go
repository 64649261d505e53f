package auth

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// Mask shows enough of a secret to recognise it and no more: the vendor
// prefix up to its last dash (at most 7 characters) and the last 4 characters,
// "sk-ant-…9f2c". Secrets shorter than 16 characters are masked entirely.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	const tail = 4
	if len(secret) < 16 {
		return "…" + strings.Repeat("*", 4)
	}
	prefix := ""
	head := secret
	if len(head) > 7 {
		head = head[:7]
	}
	if i := strings.LastIndexByte(head, '-'); i > 0 {
		prefix = head[:i+1]
	}
	// ToValidUTF8 drops a rune cut in half, so the mask is always valid text.
	return prefix + "…" + strings.ToValidUTF8(secret[len(secret)-tail:], "")
}

// Redactor replaces known secrets in text with their masked form. Build one
// from every credential in use and run error messages and log lines through
// it before they leave the process; it is the last line of defence when a
// vendor echoes a key back.
type Redactor struct {
	// mu guards secrets: OAuth tokens are added as they are minted.
	mu      sync.RWMutex
	secrets []string
}

// NewRedactor returns a Redactor for secrets; empty and very short strings
// are ignored (they would match ordinary text).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes r redact more secrets (a refreshed OAuth token).
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= 8 && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Redact returns s with every known secret masked.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Mask(sec))
		}
	}
	return s
}
