package profile

import (
	"fmt"
	"strings"
)

// Encode writes the profile as "json" or "toml" ("" means the format it was
// read from). Unknown keys and key order survive; JSON comes out with
// two-space indentation like LLxprt Code writes it, TOML with plain keys
// before tables.
func (p *Profile) Encode(format string) ([]byte, error) {
	if format == "" {
		format = p.Format
	}
	switch strings.ToLower(format) {
	case FormatJSON, "":
		return encodeJSON(p.doc)
	case FormatTOML:
		b, err := encodeTOML(p.doc)
		if err != nil {
			return nil, fmt.Errorf("profile: cannot save as TOML: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("profile: unknown format %q: use json or toml", format)
}

// Set changes one value, given by its path of keys ("ephemeralSettings",
// "context-limit"), creating objects on the way; a nil value deletes the
// key. The profile is validated again and left unchanged on error.
func (p *Profile) Set(value any, path ...string) error {
	if len(path) == 0 {
		return fmt.Errorf("profile: Set needs a key")
	}
	doc := clone(p.doc).(*object)
	o := doc
	for i, k := range path[:len(path)-1] {
		next, ok := o.vals[k].(*object)
		if !ok {
			if _, exists := o.vals[k]; exists {
				return fmt.Errorf("profile: %s is not an object", strings.Join(path[:i+1], "."))
			}
			next = newObject()
			o.set(k, next)
		}
		o = next
	}
	last := path[len(path)-1]
	if value == nil {
		o.del(last)
	} else {
		v, err := normalize(value)
		if err != nil {
			return fmt.Errorf("profile: %s: %w", strings.Join(path, "."), err)
		}
		o.set(last, v)
	}
	np, perr := fromDoc(doc, "")
	if perr != nil {
		return perr
	}
	np.Format = p.Format
	*p = *np
	return nil
}

// Clone returns an independent copy of p.
func (p *Profile) Clone() *Profile {
	np, err := fromDoc(clone(p.doc).(*object), "")
	if err != nil {
		// p was valid, so its copy is too.
		panic("profile: clone of a valid profile failed: " + err.Error())
	}
	np.Format = p.Format
	return np
}

// Data returns the whole document as plain Go values (maps, slices,
// strings, json.Number, bools), unknown keys included and secrets unmasked:
// for comparing profiles, never for display (use [Profile.Masked]).
func (p *Profile) Data() map[string]any { return plain(p.doc).(map[string]any) }
