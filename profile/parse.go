package profile

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/llxprt/llxprt-ls/providers"
)

// The file formats.
const (
	FormatJSON = "json"
	FormatTOML = "toml"
)

// maxProfileSize bounds what Parse accepts; real profiles are a few KB.
const maxProfileSize = 4 << 20

// Parse reads a profile. The format comes from filename's extension (.json,
// .toml), else it is sniffed: a document starting with '{' is JSON. Errors
// are [*Error]s naming the file, the path inside it and the fix.
func Parse(data []byte, filename string) (*Profile, error) {
	file := filepath.Base(filename)
	if filename == "" {
		file = ""
	}
	// Windows editors may start a UTF-8 file with a byte-order mark.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	format := formatOf(filename, data)
	if len(data) > maxProfileSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("the file is larger than %d bytes: it is not a profile", maxProfileSize)}
	}
	var doc *object
	var err error
	switch format {
	case FormatJSON:
		doc, err = decodeJSON(data)
	default:
		doc, err = decodeTOML(data)
	}
	if err != nil {
		return nil, &Error{File: file, Msg: fmt.Sprintf("not valid %s: %v", strings.ToUpper(format), err)}
	}
	p, perr := fromDoc(doc, file)
	if perr != nil {
		return nil, perr
	}
	p.Format = format
	return p, nil
}

// ParseInline reads the recipe's `--profile '{...}'` one-liner: a JSON
// profile given on the command line.
func ParseInline(s string) (*Profile, error) {
	p, err := Parse([]byte(s), "")
	if err != nil {
		return nil, err
	}
	return p, nil
}

// formatOf picks the format from the extension, else from the content.
func formatOf(filename string, data []byte) string {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".json":
		return FormatJSON
	case ".toml":
		return FormatTOML
	}
	return sniff(data)
}

func sniff(data []byte) string {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '{' {
		return FormatJSON
	}
	return FormatTOML
}

// fromDoc builds and validates the typed view of doc.
func fromDoc(doc *object, file string) (*Profile, *Error) {
	r := &reader{file: file}
	p := &Profile{doc: doc, Format: FormatJSON}
	if v, ok := r.num(doc, "version", ""); ok {
		p.Version = int(v)
	}
	p.Type = r.str(doc, "type", "")
	p.Provider = strings.TrimSpace(r.str(doc, "provider", ""))
	p.Model = r.str(doc, "model", "")
	if mp := r.obj(doc, "modelParams", ""); mp != nil {
		p.ModelParams = plain(mp).(map[string]any)
		if _, err := providers.ParseParams(p.ModelParams); err != nil {
			r.fail("", "%v", err)
		}
	}
	eph := r.obj(doc, "ephemeralSettings", "")
	if eph != nil {
		p.Ephemeral = plain(eph).(map[string]any)
		r.ephemeral(eph, "ephemeralSettings")
	}
	if r.err != nil {
		return nil, r.err
	}
	switch t := strings.ToLower(p.Type); {
	case t == "loadbalancer":
		r.loadbalancer(p, doc)
	case t != "" && t != "standard":
		r.fail("type", "unknown profile type %q: use \"standard\" or \"loadbalancer\" (or leave it out)", p.Type)
	case strings.EqualFold(p.Provider, "lb"):
		r.lb(p, eph)
	default:
		r.standard(p, doc)
	}
	if r.err != nil {
		return nil, r.err
	}
	return p, nil
}

// ephemeral checks the ephemeralSettings keys this project reads; the rest
// belong to LLxprt Code and are kept untouched.
func (r *reader) ephemeral(eph *object, path string) {
	for _, k := range []string{"auth-key", "auth-keyfile", "auth-key-name", "base-url", "tool-format", "api-version"} {
		r.str(eph, k, path)
	}
	if _, ok := eph.get("context-limit"); ok {
		r.positiveInt(eph, "context-limit", path)
	}
	if _, ok := eph.get("socket-timeout"); ok {
		r.positiveInt(eph, "socket-timeout", path)
	}
	r.headers(eph, "custom-headers", path)
	r.checkBaseURL(eph, "base-url", path)
}

func (r *reader) lb(p *Profile, eph *object) {
	lb := r.obj(eph, "lb", "ephemeralSettings")
	if r.err != nil {
		return
	}
	if lb == nil {
		r.fail("ephemeralSettings.lb", `missing: a "provider": "lb" profile needs ephemeralSettings.lb = {"type": "failover", "buckets": [...]}`)
		return
	}
	const path = "ephemeralSettings.lb"
	p.LB = &LB{Type: r.str(lb, "type", path)}
	r.checkPolicy(p.LB.Type, join(path, "type"))
	v, ok := lb.get("buckets")
	arr, isArr := v.([]any)
	switch {
	case !ok || v == nil:
		r.fail(join(path, "buckets"), `missing: add "buckets": [{"provider": "anthropic", "model": "claude-sonnet-4-5"}, ...]`)
		return
	case !isArr:
		r.fail(join(path, "buckets"), "want a list of buckets, found %s", typeName(v))
		return
	case len(arr) == 0:
		r.fail(join(path, "buckets"), `empty: add at least one {"provider": ..., "model": ...}`)
		return
	}
	for i, e := range arr {
		bp := index(join(path, "buckets"), i)
		bo, ok := e.(*object)
		if !ok {
			r.fail(bp, "want a bucket object {\"provider\": ..., \"model\": ...}, found %s", typeName(e))
			return
		}
		b := r.bucket(bo, bp)
		if r.err != nil {
			return
		}
		p.LB.Buckets = append(p.LB.Buckets, b)
	}
}

// bucket reads one lb bucket. Besides the recipe's keys it takes the
// per-bucket spellings of the standard profile's settings, so each bucket
// can have its own keyfile, keyring name, base URL and context limit.
func (r *reader) bucket(o *object, path string) Bucket {
	b := Bucket{Path: path}
	b.Provider = strings.TrimSpace(r.str(o, "provider", path))
	b.Model = r.str(o, "model", path)
	if b.Provider == "" {
		r.fail(join(path, "provider"), `missing: add "provider": "anthropic" (or openai, gemini, qwen …)`)
		return b
	}
	r.checkProvider(b.Provider, join(path, "provider"))
	if b.Model == "" {
		r.fail(join(path, "model"), `missing: add the model this bucket uses, e.g. "model": "claude-sonnet-4-5"`)
		return b
	}
	if mp := r.obj(o, "modelParams", path); mp != nil {
		b.ModelParams = plain(mp).(map[string]any)
		if _, err := providers.ParseParams(b.ModelParams); err != nil {
			r.fail(path, "%v", err)
		}
	}
	b.Key, b.KeyFrom = r.firstStr(o, path, "key", "apiKey", "auth-key")
	b.Keyfile, _ = r.firstStr(o, path, "auth-keyfile", "keyfile")
	b.KeyName, _ = r.firstStr(o, path, "auth-key-name")
	b.BaseURL, _ = r.firstStr(o, path, "base-url", "baseURL", "baseUrl")
	r.checkBaseURL(o, "base-url", path)
	r.checkBaseURL(o, "baseURL", path)
	b.API = r.str(o, "api", path)
	b.Note = r.str(o, "note", path)
	if w, ok := r.num(o, "weight", path); ok {
		if w < 0 {
			r.fail(join(path, "weight"), "must not be negative, found %v", w)
		}
		b.Weight = w
	}
	if _, ok := o.get("context-limit"); ok {
		b.ContextLimit = r.positiveInt(o, "context-limit", path)
	}
	if _, ok := o.get("socket-timeout"); ok {
		b.SocketTimeoutMS = r.positiveInt(o, "socket-timeout", path)
	}
	b.Headers = r.headers(o, "custom-headers", path)
	return b
}

// standard reads a single-provider profile, with or without an inline
// loadBalancer.
func (r *reader) standard(p *Profile, doc *object) {
	if ilb := r.obj(doc, "loadBalancer", ""); ilb != nil {
		r.inlineLB(p, ilb)
		return
	}
	if r.err != nil {
		return
	}
	if p.Provider == "" {
		r.fail("provider", `missing: add "provider": "anthropic" (or openai, gemini, qwen, lb …)`)
		return
	}
	r.checkProvider(p.Provider, "provider")
	if p.Model == "" {
		r.fail("model", `missing: add "model": "claude-sonnet-4-5" (the model this profile uses)`)
	}
}

func (r *reader) inlineLB(p *Profile, ilb *object) {
	const path = "loadBalancer"
	p.LoadBalancer = &InlineLB{Strategy: r.str(ilb, "strategy", path)}
	r.checkPolicy(p.LoadBalancer.Strategy, join(path, "strategy"))
	v, _ := ilb.get("subProfiles")
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		r.fail(join(path, "subProfiles"), `want a non-empty list of {"name", "provider", "model", "baseURL", "apiKey"}`)
		return
	}
	for i, e := range arr {
		sp := index(join(path, "subProfiles"), i)
		so, ok := e.(*object)
		if !ok {
			r.fail(sp, "want an object, found %s", typeName(e))
			return
		}
		s := SubProfile{
			Name:     r.str(so, "name", sp),
			Provider: strings.TrimSpace(r.str(so, "provider", sp)),
			Model:    r.str(so, "model", sp),
			BaseURL:  r.str(so, "baseURL", sp),
			APIKey:   r.str(so, "apiKey", sp),
		}
		r.checkBaseURL(so, "baseURL", sp)
		if s.Provider == "" {
			r.fail(join(sp, "provider"), `missing: add "provider": "openai" (or anthropic, gemini …)`)
			return
		}
		r.checkProvider(s.Provider, join(sp, "provider"))
		if s.Model == "" && p.Model == "" {
			r.fail(join(sp, "model"), `missing: set "model" here or at the top of the profile`)
		}
		p.LoadBalancer.SubProfiles = append(p.LoadBalancer.SubProfiles, s)
	}
}

func (r *reader) loadbalancer(p *Profile, doc *object) {
	p.Policy = r.str(doc, "policy", "")
	if p.Policy == "" {
		p.Policy = "roundrobin" // LLxprt Code's default
	}
	r.checkPolicy(p.Policy, "policy")
	v, _ := doc.get("profiles")
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		r.fail("profiles", `want a non-empty list of saved profile names, e.g. ["claude", "openai"]`)
		return
	}
	for i, e := range arr {
		name, ok := e.(string)
		if !ok {
			r.fail(index("profiles", i), "want a profile name in quotes, found %s", typeName(e))
			return
		}
		if err := ValidName(name); err != nil {
			r.fail(index("profiles", i), "%v", err)
			return
		}
		p.Profiles = append(p.Profiles, name)
	}
}

// Buckets returns the profile's own buckets with the profile-wide settings
// folded in: the lb buckets, the single bucket of a standard profile, or its
// subProfiles. A "type": "loadbalancer" profile has none of its own; Build
// resolves its members through the store.
func (p *Profile) Buckets() []Bucket {
	eph := p.Ephemeral
	str := func(k string) string { s, _ := eph[k].(string); return s }
	top := Bucket{
		Provider:    p.Provider,
		Model:       p.Model,
		ModelParams: p.ModelParams,
		Key:         str("auth-key"),
		Keyfile:     str("auth-keyfile"),
		KeyName:     str("auth-key-name"),
		BaseURL:     str("base-url"),
		Headers:     stringMap(eph["custom-headers"]),
	}
	if top.Key != "" {
		top.KeyFrom = "ephemeralSettings.auth-key"
	}
	top.OAuthOnly = eph["authOnly"] == true
	if a, ok := p.Data()["auth"].(map[string]any); ok && a["type"] == "oauth" {
		top.OAuthOnly = true
	}
	top.ContextLimit = intOf(eph["context-limit"])
	top.SocketTimeoutMS = intOf(eph["socket-timeout"])
	switch {
	case p.Kind() == KindLoadBalancer:
		return nil
	case p.LB != nil:
		out := make([]Bucket, len(p.LB.Buckets))
		for i, b := range p.LB.Buckets {
			b.ModelParams = maps.Clone(b.ModelParams)
			if b.SocketTimeoutMS == 0 {
				b.SocketTimeoutMS = top.SocketTimeoutMS
			}
			out[i] = b
		}
		return out
	case p.LoadBalancer != nil:
		out := make([]Bucket, 0, len(p.LoadBalancer.SubProfiles))
		for i, s := range p.LoadBalancer.SubProfiles {
			b := top
			b.Path = index("loadBalancer.subProfiles", i)
			b.Provider, b.Note = s.Provider, s.Name
			if s.Model != "" {
				b.Model = s.Model
			}
			if s.BaseURL != "" {
				b.BaseURL = s.BaseURL
			}
			if s.Provider != p.Provider {
				// The profile's own key, keyfile and base URL belong to
				// its provider, not to a subProfile of another one.
				b.Key, b.KeyFrom, b.Keyfile, b.KeyName = "", "", "", ""
				if s.BaseURL == "" {
					b.BaseURL = ""
				}
			}
			if s.APIKey != "" {
				b.Key, b.KeyFrom = s.APIKey, b.Path+".apiKey"
				b.OAuthOnly = false // an explicit key is meant to be used
			}
			out = append(out, b)
		}
		return out
	}
	top.Path = "provider"
	return []Bucket{top}
}

func intOf(v any) int {
	f, ok := numberOf(v)
	if !ok {
		return 0
	}
	return int(f)
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if s, ok := m[k].(string); ok {
			out[k] = s
		}
	}
	return out
}
