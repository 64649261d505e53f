package demo

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

// actionMarker is server.ActionMarker; it is repeated here (and checked by a
// test) so the simulation does not depend on the server package.
const actionMarker = "[llxprt-ls code action: "

// Reply is the simulated model's answer to a recorded request: a code
// action's edit, an explanation, or a chat answer naming the vendor, the
// model and the turn of the conversation.
func Reply(vendor string, rec providertest.Recorded) string {
	var body any
	_ = json.Unmarshal(rec.Body, &body)
	users := userTexts(body)
	model := modelOf(body, rec.Path)
	if len(users) == 0 {
		return fmt.Sprintf("Hello from the simulated %s (%s).", vendor, model)
	}
	last := users[len(users)-1]
	if i := strings.Index(last, actionMarker); i >= 0 {
		rest := last[i+len(actionMarker):]
		id, _, _ := strings.Cut(rest, "]")
		lang, code, ok := fencedCode(rest)
		if !ok {
			return "I could not find the code in that request."
		}
		if id == "explain" {
			n := strings.Count(strings.TrimRight(code, "\n"), "\n") + 1
			return fmt.Sprintf("This is %d line(s) of %s. (A simulated explanation from %s %s: with a real provider, "+
				"this is where the model explains what the code does.)", n, orDefault(lang, "code"), vendor, model)
		}
		indent := leading(firstLine(code))
		if id == "test" {
			// Tests are added after the code, not in its place: answer
			// with a stand-in for them alone.
			n := strings.Count(strings.TrimRight(code, "\n"), "\n") + 1
			return fmt.Sprintf("Here are the tests.\n\n```%s\n%s%s llxprt-demo: test (simulated tests for the %d line(s) above)\n```\n", lang, indent, comment(lang), n)
		}
		return fmt.Sprintf("Here is the result.\n\n```%s\n%s%s llxprt-demo: %s\n%s\n```\n", lang, indent, comment(lang), id, strings.TrimRight(code, "\n"))
	}
	prompt := strings.TrimSpace(last)
	if len(prompt) > 60 {
		prompt = prompt[:60] + "…"
	}
	return fmt.Sprintf("Simulated answer from %s %s (turn %d of this conversation). You asked: %q. "+
		"With a real profile, this is where the model answers; the balancer picked this bucket and would fail over if it broke.",
		vendor, model, len(users), prompt)
}

// userTexts finds every user message in any vendor's request body, in
// order: objects with "role": "user" (Anthropic, OpenAI, Gemini contents).
func userTexts(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if t["role"] == "user" {
				var b strings.Builder
				collect(t, &b)
				out = append(out, b.String())
				return
			}
			for _, k := range []string{"messages", "input", "contents"} {
				if sub, ok := t[k]; ok {
					walk(sub)
				}
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	if len(out) == 0 {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["input"].(string); ok { // Responses API shorthand
				out = append(out, s)
			}
		}
	}
	return out
}

func collect(v any, b *strings.Builder) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range []string{"content", "text", "parts"} {
			if sub, ok := t[k]; ok {
				collect(sub, b)
			}
		}
	case []any:
		for _, e := range t {
			collect(e, b)
		}
	case string:
		b.WriteString(t)
	}
}

func modelOf(v any, path string) string {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["model"].(string); ok && s != "" {
			return s
		}
	}
	if i := strings.Index(path, "/models/"); i >= 0 {
		m := path[i+len("/models/"):]
		m, _, _ = strings.Cut(m, ":")
		return m
	}
	return "model"
}

// fencedCode returns the language and body of the first fenced block.
func fencedCode(s string) (lang, code string, ok bool) {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "```") {
			continue
		}
		fence := t[:len(t)-len(strings.TrimLeft(t, "`"))]
		lang = strings.TrimSpace(t[len(fence):])
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == fence {
				return lang, strings.Join(lines[i+1:j], "\n"), true
			}
		}
		return lang, strings.Join(lines[i+1:], "\n"), true
	}
	return "", "", false
}

// comment is the line-comment syntax of a language (LSP language ids).
func comment(lang string) string {
	switch strings.ToLower(lang) {
	case "python", "py", "sh", "bash", "shell", "shellscript", "zsh", "ruby", "rb", "perl", "r", "yaml", "yml",
		"toml", "dockerfile", "makefile", "make", "elixir", "julia", "powershell", "nim", "coffeescript":
		return "#"
	case "lua", "sql", "haskell", "hs", "elm", "ada", "vhdl":
		return "--"
	case "lisp", "clojure", "scheme", "racket", "elisp", "ini":
		return ";"
	case "erlang", "latex", "tex", "matlab":
		return "%"
	case "vim", "viml":
		return "\""
	}
	return "//"
}

func firstLine(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

func leading(l string) string { return l[:len(l)-len(strings.TrimLeft(l, " \t"))] }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
