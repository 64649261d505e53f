package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// argError is a bad tool argument: it becomes a tool result with IsError,
// naming the argument and what is wrong, so the calling model can fix it.
type argError struct {
	Arg string
	Msg string
}

func (e *argError) Error() string {
	if e.Arg == "" {
		return "arguments: " + e.Msg
	}
	return fmt.Sprintf("argument %q: %s", e.Arg, e.Msg)
}

// bind decodes a call's arguments into dst strictly: an unknown argument or
// a value of the wrong type is an *argError naming it.
func bind(req mcpgo.CallToolRequest, dst any) error {
	var raw []byte
	switch a := req.GetRawArguments().(type) {
	case nil:
		raw = []byte("{}")
	case json.RawMessage:
		raw = a
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return &argError{Msg: err.Error()}
		}
		raw = b
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dst)
	}
	return nil
}

func decodeError(err error, dst any) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return &argError{Msg: fmt.Sprintf("want an object of named arguments, got a JSON %s", te.Value)}
		}
		return &argError{Arg: field, Msg: fmt.Sprintf("want %s, got a JSON %s", kindName(te.Type), te.Value)}
	case errors.As(err, &se):
		return &argError{Msg: "not valid JSON: " + se.Error()}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &argError{Arg: strings.Trim(name, `"`), Msg: "unknown argument; this tool takes " + strings.Join(argNames(dst), ", ")}
	}
	return &argError{Msg: err.Error()}
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(kindName(t.Elem()), "a ") + "s"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

func argNames(dst any) []string {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// required reports an empty required string argument.
func required(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return &argError{Arg: name, Msg: "required: a non-empty string"}
	}
	return nil
}
