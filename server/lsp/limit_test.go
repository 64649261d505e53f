package lsp

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// limitReader passes frames within the limit through byte for byte and
// swaps a larger one for a small stand-in without holding its body.
func TestLimitReader(t *testing.T) {
	frame := func(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }
	small := frame(`{"jsonrpc":"2.0","id":1,"method":"llxprt/status"}`)
	big := frame(strings.Repeat("x", 100))
	typed := "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + small
	tests := []struct {
		name, in, want string
	}{
		{"within the limit", small + small, small + small},
		{"other header fields kept", typed, typed},
		{"oversized swapped", small + big + small, small + frame(oversizeKey+"100}") + small},
		{"empty body becomes an empty object", "Content-Length: 0\r\n\r\n" + small, frame("{}") + small},
		{"no content length passes through", "X: y\r\n\r\n" + small, "X: y\r\n\r\n" + small},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(newLimitReader(strings.NewReader(tt.in), 64))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	// A declared body that never comes is a truncated frame.
	_, err := io.ReadAll(newLimitReader(strings.NewReader("Content-Length: 1000\r\n\r\n{"), 64))
	if err != io.ErrUnexpectedEOF {
		t.Errorf("truncated oversized body: err = %v, want unexpected EOF", err)
	}
}

// An oversized message gets an error naming the limit, and the session
// goes on.
func TestOversizedMessageIsRefused(t *testing.T) {
	s := start(t, newFake(), true, false, false)
	body := []byte(`{"jsonrpc":"2.0","id":77,"method":"llxprt/chat","params":{"prompt":"` + strings.Repeat("a", MaxMessageBytes) + `"}}`)
	s.write(body)
	m := s.waitFor("error response", func(m message) bool { return m.Error != nil })
	if m.Error.Code != -32600 || !containsAll(m.Error.Message, "larger than the 32 MiB limit", fmt.Sprint(len(body))) {
		t.Errorf("error = %+v", m.Error)
	}
	var st map[string]any
	s.mustCall("llxprt/status", nil, &st)
	if st["profile"] != "work" {
		t.Errorf("status after an oversized message = %v", st)
	}
}
