package server

import (
	"strings"
)

// extracted is a model reply split into the code to put in the buffer and
// the prose around it.
type extracted struct {
	Code  string
	Prose string
	Fence bool // the reply had a fenced block
}

// extractCode takes the first fenced block (``` or ~~~, any info string) of
// a reply as the code; without a fence the whole reply, trimmed, is the code.
// An unterminated fence runs to the end of the reply (a model cut short by
// max_tokens still gave us code, not markdown).
func extractCode(reply string) extracted {
	lines := strings.SplitAfter(reply, "\n")
	start, fence := -1, ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			start, fence = i, fenceOf(t)
			break
		}
	}
	if start < 0 {
		return extracted{Code: strings.Trim(reply, "\r\n")}
	}
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
			end = i
			break
		}
	}
	code := strings.Join(lines[start+1:end], "")
	code = strings.TrimSuffix(strings.TrimSuffix(code, "\n"), "\r")
	prose := strings.Join(lines[:start], "")
	if end < len(lines) {
		prose += strings.Join(lines[end+1:], "")
	}
	return extracted{Code: code, Prose: strings.TrimSpace(prose), Fence: true}
}

// fenceOf returns the run of backticks or tildes opening a fence; the
// closing fence must be at least as long (CommonMark).
func fenceOf(t string) string {
	c := t[0]
	n := 0
	for n < len(t) && t[n] == c {
		n++
	}
	return t[:n]
}

// fitIndent shifts code so that its first non-empty line is indented like
// the first non-empty line of orig, moving every line by the same amount: a
// model usually answers a selection from inside a function dedented to
// column 0, and the buffer wants it back where it was. The trailing newline
// follows orig's.
func fitIndent(orig, code string) string {
	want := leadingSpace(firstNonEmpty(orig))
	have := leadingSpace(firstNonEmpty(code))
	if want != have {
		lines := strings.Split(code, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) == "" {
				lines[i] = strings.TrimRight(l, " \t")
				continue
			}
			switch {
			case strings.HasPrefix(want, have):
				lines[i] = want[len(have):] + l
			case strings.HasPrefix(have, want):
				lines[i] = strings.TrimPrefix(l, have[len(want):])
			default: // tabs against spaces: swap the first line's indent
				if rest, ok := strings.CutPrefix(l, have); ok {
					lines[i] = want + rest
				}
			}
		}
		code = strings.Join(lines, "\n")
	}
	code = strings.TrimRight(code, "\n")
	if strings.HasSuffix(orig, "\n") {
		code += "\n"
	}
	return code
}

func firstNonEmpty(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

func leadingSpace(l string) string {
	return l[:len(l)-len(strings.TrimLeft(l, " \t"))]
}
