package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// The profile kinds [Profile.Kind] reports.
const (
	KindLB           = "lb"           // "provider": "lb" with ephemeralSettings.lb buckets (the recipe)
	KindStandard     = "standard"     // one provider, or an inline loadBalancer over subProfiles
	KindLoadBalancer = "loadbalancer" // "type": "loadbalancer" over other saved profiles
)

// Profile is one parsed profile. The exported fields are a typed, validated
// view of the document; the document itself is kept whole (unknown keys and
// key order included) and is what [Profile.Encode] writes. Change a profile
// through [Profile.Set] so the two stay in step; the fields are read-only.
type Profile struct {
	Version  int    // "version", 0 when absent
	Type     string // "type" as written: "", "standard" or "loadbalancer"
	Provider string // "provider" as written ("lb" for the recipe's profiles)
	Model    string
	// ModelParams is "modelParams"; numbers are json.Number.
	ModelParams map[string]any
	// Ephemeral is "ephemeralSettings" (base-url, auth-*, context-limit,
	// socket-timeout, the failover settings, "lb" …).
	Ephemeral map[string]any
	// LB is ephemeralSettings.lb, set for "provider": "lb".
	LB *LB
	// Policy and Profiles are set for "type": "loadbalancer".
	Policy   string
	Profiles []string
	// LoadBalancer is the inline "loadBalancer" of a standard profile.
	LoadBalancer *InlineLB
	// Format is the format the profile was read from: "json" or "toml".
	Format string

	doc *object
}

// LB is the recipe's ephemeralSettings.lb object.
type LB struct {
	Type    string // failover, round-robin, random … as written
	Buckets []Bucket
}

// Bucket is one entry of ephemeralSettings.lb.buckets, or the single bucket
// of a standard profile, or one subProfile: everything Build needs.
type Bucket struct {
	Provider    string // as written; Build canonicalises it
	Model       string
	ModelParams map[string]any
	Key         string // inline key; never logged or shown unmasked
	KeyFrom     string // where Key was written, e.g. "ephemeralSettings.lb.buckets[1].key"
	Keyfile     string
	KeyName     string // OS keyring entry
	BaseURL     string
	API         string // "responses" | "chat" for OpenAI-style providers
	Note        string
	Weight      float64
	// ContextLimit is the bucket's own context-limit; 0 means unset.
	ContextLimit int
	// SocketTimeoutMS is socket-timeout in milliseconds; 0 means unset.
	SocketTimeoutMS int
	Headers         map[string]string
	// OAuthOnly is LLxprt Code's authOnly / "auth": {"type": "oauth"}: use
	// an OAuth token and never a key.
	OAuthOnly bool
	// Path locates the bucket in its file, for errors:
	// "ephemeralSettings.lb.buckets[2]".
	Path string
	// Profile names the saved profile a "type": "loadbalancer" member came
	// from; empty otherwise.
	Profile string
}

// InlineLB is LLxprt Code's inline "loadBalancer" object.
type InlineLB struct {
	Strategy    string
	SubProfiles []SubProfile
}

// SubProfile is one loadBalancer.subProfiles entry.
type SubProfile struct {
	Name, Provider, Model, BaseURL, APIKey string
}

// Kind says which shape the profile has: [KindLB], [KindStandard] or
// [KindLoadBalancer].
func (p *Profile) Kind() string {
	switch {
	case strings.EqualFold(p.Type, "loadbalancer"):
		return KindLoadBalancer
	case strings.EqualFold(p.Provider, "lb"):
		return KindLB
	}
	return KindStandard
}

// Error is a problem in a profile file: which file, where in it, and what
// to do. Its text reads `high-availability.json: ephemeralSettings.lb.
// buckets[2].provider: unknown provider "antropic" (did you mean
// "anthropic"?)`.
type Error struct {
	File string // base name, "" for an inline profile
	Path string // "ephemeralSettings.lb.buckets[2].provider"; "" for the whole file
	Msg  string
}

func (e *Error) Error() string {
	var parts []string
	if e.File != "" {
		parts = append(parts, e.File)
	} else {
		parts = append(parts, "profile")
	}
	if e.Path != "" {
		parts = append(parts, e.Path)
	}
	parts = append(parts, e.Msg)
	return strings.Join(parts, ": ")
}

// reader derives the typed view from the document, stopping at the first
// problem; every accessor takes the path it reports.
type reader struct {
	file string
	err  *Error
}

func (r *reader) fail(path, format string, args ...any) {
	if r.err == nil {
		r.err = &Error{File: r.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func (r *reader) str(o *object, key, path string) string {
	v, ok := o.get(key)
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(join(path, key), "want a string, found %s: write it in quotes", typeName(v))
	}
	return s
}

func (r *reader) obj(o *object, key, path string) *object {
	v, ok := o.get(key)
	if !ok || v == nil {
		return nil
	}
	sub, ok := v.(*object)
	if !ok {
		r.fail(join(path, key), "want an object {...}, found %s", typeName(v))
	}
	return sub
}

// num reads a number; as LLxprt Code's /set stores some numbers as strings,
// a numeric string is accepted too.
func (r *reader) num(o *object, key, path string) (float64, bool) {
	v, ok := o.get(key)
	if !ok || v == nil {
		return 0, false
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = string(t)
	case string:
		s = strings.TrimSpace(t)
	default:
		r.fail(join(path, key), "want a number, found %s", typeName(v))
		return 0, false
	}
	f, err := json.Number(s).Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		r.fail(join(path, key), "want a number, found %q", s)
		return 0, false
	}
	return f, true
}

func (r *reader) positiveInt(o *object, key, path string) int {
	f, ok := r.num(o, key, path)
	if !ok {
		return 0
	}
	if f <= 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		r.fail(join(path, key), "want a positive whole number, found %v", f)
		return 0
	}
	return int(f)
}

func (r *reader) headers(o *object, key, path string) map[string]string {
	h := r.obj(o, key, path)
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h.keys))
	for _, k := range h.keys {
		out[k] = r.str(h, k, join(path, key))
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// firstStr returns the first of keys that is set, and which one it was.
func (r *reader) firstStr(o *object, path string, keys ...string) (string, string) {
	for _, k := range keys {
		if s := r.str(o, k, path); s != "" {
			return s, join(path, k)
		}
	}
	return "", ""
}
