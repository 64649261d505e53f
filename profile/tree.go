package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// object is a JSON/TOML table that remembers the order of its keys, so a
// saved profile diffs cleanly against the file it came from. Values in the
// tree are *object, []any, string, json.Number, bool and nil; numbers stay
// json.Number so 0.7 is written back as 0.7 and 8192 as 8192.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.vals[k]
	return v, ok
}

// set adds or replaces k; a new key goes last.
func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// maxDepth bounds nesting; no profile is deeper than a handful of levels.
const maxDepth = 200

var errTooDeep = errors.New("nested more than 200 levels deep")

// decodeJSON reads one JSON value (an object at the top) keeping key order.
// A repeated key keeps its first position and its last value, as
// JavaScript's JSON.parse does.
func decodeJSON(data []byte) (*object, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, jsonPosError(data, d, err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("the top level must be a JSON object {...}, found %s", describeToken(tok))
	}
	o, err := decodeObject(d, 1)
	if err != nil {
		return nil, jsonPosError(data, d, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, jsonPosError(data, d, errors.New("unexpected data after the closing }"))
	}
	return o, nil
}

func decodeObject(d *json.Decoder, depth int) (*object, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	o := newObject()
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key must be a string, found %s", describeToken(tok))
		}
		v, err := decodeValue(d, depth)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
	}
	if _, err := d.Token(); err != nil { // '}'
		return nil, err
	}
	return o, nil
}

func decodeValue(d *json.Decoder, depth int) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return decodeObject(d, depth+1)
		case '[':
			if depth+1 > maxDepth {
				return nil, errTooDeep
			}
			arr := []any{}
			for d.More() {
				v, err := decodeValue(d, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.Token(); err != nil { // ']'
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %q", string(t))
	default:
		return t, nil // string, json.Number, bool, nil
	}
}

func describeToken(tok any) string {
	switch t := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(t))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// jsonPosError adds "line L, column C" to a JSON error.
func jsonPosError(data []byte, d *json.Decoder, err error) error {
	off := d.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of file: a closing } or ] is missing")
	}
	line, col := lineCol(data, off)
	return fmt.Errorf("line %d, column %d: %v", line, col, err)
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// encodeJSON writes the tree with two-space indentation, keys in order and
// no HTML escaping (a "<" in a note stays a "<").
func encodeJSON(o *object) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, o, ""); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any, indent string) error {
	inner := indent + "  "
	switch t := v.(type) {
	case *object:
		if len(t.keys) == 0 {
			buf.WriteString("{}")
			return nil
		}
		buf.WriteString("{\n")
		for i, k := range t.keys {
			buf.WriteString(inner)
			writeJSONString(buf, k)
			buf.WriteString(": ")
			if err := writeJSON(buf, t.vals[k], inner); err != nil {
				return err
			}
			if i < len(t.keys)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent + "}")
	case []any:
		if len(t) == 0 {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteString("[\n")
		for i, e := range t {
			buf.WriteString(inner)
			if err := writeJSON(buf, e, inner); err != nil {
				return err
			}
			if i < len(t)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent + "]")
	case string:
		writeJSONString(buf, t)
	case json.Number:
		if !json.Valid([]byte(t)) {
			return fmt.Errorf("invalid number %q", string(t))
		}
		buf.WriteString(string(t))
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("cannot encode %T", v)
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	e := json.NewEncoder(buf)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// normalizeSlice normalizes every element of a decoded array.
func normalizeSlice[E any](t []E) ([]any, error) {
	arr := make([]any, len(t))
	for i, e := range t {
		nv, err := normalize(e)
		if err != nil {
			return nil, err
		}
		arr[i] = nv
	}
	return arr, nil
}

// normalize turns a value decoded by another codec (TOML) or built in Go
// into tree form: maps become *object (keys sorted, lacking an order),
// integers and floats json.Number, times RFC 3339 strings.
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case *object, string, bool, nil, json.Number:
		return t, nil
	case map[string]any:
		o := newObject()
		for _, k := range sortedKeys(t) {
			nv, err := normalize(t[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			o.set(k, nv)
		}
		return o, nil
	case []map[string]any:
		return normalizeSlice(t)
	case []any:
		return normalizeSlice(t)
	case []string:
		arr := make([]any, len(t))
		for i, e := range t {
			arr[i] = e
		}
		return arr, nil
	case int:
		return json.Number(strconv.Itoa(t)), nil
	case int64:
		return json.Number(strconv.FormatInt(t, 10)), nil
	case float64:
		return floatNumber(t)
	case time.Time:
		return t.Format(time.RFC3339Nano), nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

// floatNumber writes a float so that it reads back as a float: 1.0 stays
// "1.0", not "1", which TOML would turn into an integer.
func floatNumber(f float64) (json.Number, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("%v cannot be stored in a profile (JSON has no NaN or infinity)", f)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.Number(s), nil
}

// plain turns a tree value into ordinary Go maps and slices, keeping
// json.Number (providers.ParseParams reads it), for the typed view.
func plain(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.keys))
		for _, k := range t.keys {
			m[k] = plain(t.vals[k])
		}
		return m
	case []any:
		arr := make([]any, len(t))
		for i, e := range t {
			arr[i] = plain(e)
		}
		return arr
	}
	return v
}

// clone deep-copies a tree value.
func clone(v any) any {
	switch t := v.(type) {
	case *object:
		o := &object{keys: append([]string(nil), t.keys...), vals: make(map[string]any, len(t.vals))}
		for k, e := range t.vals {
			o.vals[k] = clone(e)
		}
		return o
	case []any:
		arr := make([]any, len(t))
		for i, e := range t {
			arr[i] = clone(e)
		}
		return arr
	}
	return v
}
