package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// decodeTOML reads a TOML document into the tree, ordering every table's
// keys as they appear in the file (toml.MetaData.Keys keeps that order).
func decodeTOML(data []byte) (*object, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("the file is not valid UTF-8")
	}
	var m map[string]any
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d, column %d: %s", pe.Position.Line, pe.Position.Col, scrubQuoted(pe.Message))
		}
		return nil, errors.New(scrubQuoted(err.Error()))
	}
	rank := tomlRanks(&md)
	v, err := orderTOML(m, "", rank, 0)
	if err != nil {
		return nil, err
	}
	return v.(*object), nil
}

// tomlRanks maps each table's path to the order its keys appear in. TOML key
// paths carry no array index, but every [[array]] header is listed once per
// element, so counting them gives each element its own ordering. Paths are
// keys joined by \x00, with "[i]" after an array of tables.
func tomlRanks(md *toml.MetaData) map[string]map[string]int {
	rank := map[string]map[string]int{}
	cur := map[string]int{} // array-table path (unindexed) → current element
	for i, k := range md.Keys() {
		if md.Type(k...) == "ArrayHash" {
			raw := strings.Join(k, "\x00")
			if _, ok := cur[raw]; ok {
				cur[raw]++
			} else {
				cur[raw] = 0
			}
			for other := range cur { // nested arrays restart per element
				if strings.HasPrefix(other, raw+"\x00") {
					delete(cur, other)
				}
			}
		}
		parent := ""
		for j, part := range k[:len(k)-1] {
			if j > 0 {
				parent += "\x00"
			}
			parent += part
			if n, ok := cur[strings.Join(k[:j+1], "\x00")]; ok {
				parent += "[" + strconv.Itoa(n) + "]"
			}
		}
		last := k[len(k)-1]
		if rank[parent] == nil {
			rank[parent] = map[string]int{}
		}
		if _, ok := rank[parent][last]; !ok {
			rank[parent][last] = i
		}
	}
	return rank
}

func orderTOML(v any, path string, rank map[string]map[string]int, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	child := func(k string) string {
		if path == "" {
			return k
		}
		return path + "\x00" + k
	}
	switch t := v.(type) {
	case map[string]any:
		r := rank[path]
		keys := sortedKeys(t)
		slices.SortStableFunc(keys, func(a, b string) int {
			ra, oka := r[a]
			rb, okb := r[b]
			switch {
			case oka && okb:
				return ra - rb
			case oka:
				return -1
			case okb:
				return 1
			}
			return 0
		})
		o := newObject()
		for _, k := range keys {
			nv, err := orderTOML(t[k], child(k), rank, depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, nv)
		}
		return o, nil
	case []map[string]any:
		arr := make([]any, len(t))
		for i, e := range t {
			nv, err := orderTOML(e, path+"["+strconv.Itoa(i)+"]", rank, depth+1)
			if err != nil {
				return nil, err
			}
			arr[i] = nv
		}
		return arr, nil
	case []any:
		arr := make([]any, len(t))
		for i, e := range t {
			nv, err := orderTOML(e, path+"["+strconv.Itoa(i)+"]", rank, depth+1)
			if err != nil {
				return nil, err
			}
			arr[i] = nv
		}
		return arr, nil
	}
	return normalize(v)
}

var quotedRun = regexp.MustCompile(`"[^"]{8,}"|'[^']{8,}'`)

// scrubQuoted hides long quoted text in a parser message: the text being
// quoted may be a key that failed to parse, and errors never show secrets.
func scrubQuoted(msg string) string { return quotedRun.ReplaceAllString(msg, `"…"`) }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// encodeTOML writes the tree as TOML, keys in tree order: plain values first,
// then sub-tables, then arrays of tables, as TOML requires. null has no TOML
// form, so a profile holding one cannot be saved as TOML.
func encodeTOML(o *object) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeTable(&buf, o, nil, false); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isTableArray reports whether v is written as [[key]] sections.
func isTableArray(v any) bool {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return false
	}
	for _, e := range arr {
		if o, ok := e.(*object); !ok || hasEmptyKey(o) {
			return false
		}
	}
	return true
}

// isSection reports whether an object value is written as a [key] section
// rather than inline.
func isSection(v any) bool {
	o, ok := v.(*object)
	return ok && !isFlat(o) && !hasEmptyKey(o)
}

// hasEmptyKey reports whether o has the key "". BurntSushi/toml v1.6 drops
// the plain elements of an array stored under "" inside a [section] (but
// not inside an inline table), so such a table is always written inline.
func hasEmptyKey(o *object) bool {
	_, ok := o.vals[""]
	return ok
}

func writeTable(buf *bytes.Buffer, o *object, path []string, arrayElem bool) error {
	if len(path) > 0 {
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		if arrayElem {
			buf.WriteString("[[" + tomlPath(path) + "]]\n")
		} else {
			buf.WriteString("[" + tomlPath(path) + "]\n")
		}
	}
	for _, k := range o.keys {
		v := o.vals[k]
		if isSection(v) || isTableArray(v) {
			continue
		}
		buf.WriteString(tomlKey(k) + " = ")
		if err := writeInline(buf, v, joinPath(path, k), false); err != nil {
			return err
		}
		buf.WriteByte('\n')
	}
	for _, k := range o.keys {
		if isSection(o.vals[k]) {
			if err := writeTable(buf, o.vals[k].(*object), append(slices.Clip(path), k), false); err != nil {
				return err
			}
		}
	}
	for _, k := range o.keys {
		if isTableArray(o.vals[k]) {
			for _, e := range o.vals[k].([]any) {
				if err := writeTable(buf, e.(*object), append(slices.Clip(path), k), true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// isFlat reports whether o is small and holds only plain values, so it can
// be written in place as an inline table ({temperature = 0.7, …}) and keep
// its position among its siblings' keys.
func isFlat(o *object) bool {
	if len(o.keys) == 0 || len(o.keys) > 8 {
		return false
	}
	for _, v := range o.vals {
		switch t := v.(type) {
		case *object:
			if !isFlat(t) {
				return false
			}
		case []any:
			for _, e := range t {
				if _, ok := e.(*object); ok {
					return false
				}
			}
		case nil:
			return false
		}
	}
	return true
}

// writeInline writes a value on one line. Inline tables inside arrays come
// out sorted (inArray): the TOML reader reports no key order there, so that
// is the order a re-read would give anyway.
func writeInline(buf *bytes.Buffer, v any, where string, inArray bool) error {
	switch t := v.(type) {
	case *object:
		keys := t.keys
		if inArray {
			keys = slices.Sorted(slices.Values(t.keys))
		}
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(", ")
			}
			buf.WriteString(tomlKey(k) + " = ")
			if err := writeInline(buf, t.vals[k], where+"."+k, inArray); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteString(", ")
			}
			if err := writeInline(buf, e, fmt.Sprintf("%s[%d]", where, i), true); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		buf.WriteString(tomlString(t))
	case json.Number:
		s := string(t)
		if !json.Valid([]byte(s)) {
			return fmt.Errorf("%s: invalid number %q", where, s)
		}
		if !strings.ContainsAny(s, ".eE") {
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				// Too large for a TOML integer: keep the value as a float.
				s += ".0"
			}
		} else if _, err := strconv.ParseFloat(s, 64); err != nil {
			// Every JSON float is a valid TOML float, but TOML readers
			// reject values beyond float64.
			return fmt.Errorf("%s: number %s is out of range for TOML", where, s)
		}
		buf.WriteString(s)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		return fmt.Errorf("%s is null, which TOML cannot store: remove it or save as JSON", where)
	default:
		return fmt.Errorf("%s: cannot encode %T", where, v)
	}
	return nil
}

func joinPath(path []string, k string) string {
	if len(path) == 0 {
		return k
	}
	return strings.Join(path, ".") + "." + k
}

func tomlPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = tomlKey(p)
	}
	return strings.Join(parts, ".")
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

// tomlString writes a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
