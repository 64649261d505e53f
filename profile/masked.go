package profile

import (
	"strings"

	"github.com/llxprt/llxprt-ls/profile/auth"
)

// secretKeys are the keys whose values are secrets wherever they appear.
var secretKeys = map[string]bool{
	"key": true, "apikey": true, "api-key": true, "api_key": true, "auth-key": true,
	"token": true, "access_token": true, "accesstoken": true, "refresh_token": true, "refreshtoken": true,
	"id_token": true, "secret": true, "client_secret": true, "clientsecret": true, "password": true,
	"authorization": true, "x-api-key": true, "x-goog-api-key": true, "bearer": true,
}

// isSecretKey reports whether a key names a secret. Names of places a
// secret is kept (auth-keyfile, auth-key-name) are not secrets.
func isSecretKey(k string) bool {
	l := strings.ToLower(k)
	if secretKeys[l] {
		return true
	}
	return strings.HasSuffix(l, "_secret") || strings.HasSuffix(l, "-secret") || strings.HasSuffix(l, "password") ||
		strings.HasSuffix(l, "apikey") || strings.HasSuffix(l, "api_key") || strings.HasSuffix(l, "api-key")
}

// Masked returns the profile as plain values for show and status, with
// every secret masked (`sk-ant-…9f2c`): inline keys, subProfile apiKeys,
// auth-key, and credential headers in custom-headers.
func (p *Profile) Masked() map[string]any {
	return maskValue(plain(p.doc)).(map[string]any)
}

func maskValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && isSecretKey(k) {
				t[k] = auth.Mask(s)
				continue
			}
			t[k] = maskValue(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = maskValue(e)
		}
		return t
	}
	return v
}
