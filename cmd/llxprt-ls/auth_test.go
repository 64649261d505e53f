package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestRunAuth drives runAuth as main's dispatch will ("auth" → runAuth):
// status on an empty config dir, global flags after the command, and
// command-line mistakes as usage errors (exit 2).
func TestRunAuth(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		args      []string
		wantErr   error
		wantOut   string
		wantInErr string
	}{
		{"status", []string{"status", "--config-dir", dir}, nil, "gemini    no", ""},
		{"status json", []string{"status", "--json", "--config-dir", dir}, nil, `"logged_in": false`, ""},
		{"logout when logged out", []string{"logout", "qwen", "--config-dir", dir}, nil, "", "qwen: not logged in"},
		{"no subcommand", []string{"--config-dir", dir}, errUsage, "", "Usage:"},
		{"unknown provider", []string{"login", "anthropic", "--config-dir", dir}, errUsage, "", ""},
		{"too many arguments", []string{"logout", "qwen", "gemini"}, errUsage, "", ""},
		{"unknown flag", []string{"status", "--nope"}, errUsage, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			err := runAuth(t.Context(), &global{}, tt.args, stdio{in: strings.NewReader(""), out: &out, err: &errw})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errw.String(), tt.wantInErr) {
				t.Errorf("stderr %q lacks %q", errw.String(), tt.wantInErr)
			}
			if err != nil && strings.Contains(err.Error(), "usage: usage") {
				t.Errorf("doubled prefix: %v", err)
			}
		})
	}
}
