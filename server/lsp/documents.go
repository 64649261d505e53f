package lsp

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// document is one open text document. It is immutable: a change builds a new
// one, so a request can hold a snapshot without locks or copies while
// didChange notifications carry on.
type document struct {
	uri      uri.URI
	language string // the didOpen languageId, or one guessed from the extension
	version  int32
	text     string
	// lines holds the byte offset at which each line starts; lines[0] is 0.
	// A line ends at "\n", "\r\n" or a lone "\r", as LSP defines it.
	lines []int
}

func newDocument(u uri.URI, language string, version int32, text string) *document {
	if language == "" {
		language = guessLanguage(string(u))
	}
	return &document{uri: u, language: language, version: version, text: text, lines: lineStarts(text)}
}

// lineStarts indexes the start of every line of text.
func lineStarts(text string) []int {
	starts := make([]int, 1, strings.Count(text, "\n")+1)
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			starts = append(starts, i+1)
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineBounds returns the byte range of line n without its terminator.
func (d *document) lineBounds(n int) (start, end int) {
	start = d.lines[n]
	end = len(d.text)
	if n+1 < len(d.lines) {
		// Every line but the last ends with a terminator.
		end = d.lines[n+1] - 1
		if end > start && d.text[end] == '\n' && d.text[end-1] == '\r' {
			end--
		}
	}
	return start, end
}

// offset converts an LSP position, whose character counts UTF-16 code units
// (what VS Code and Neovim send), to a byte offset in text. A character past
// the end of its line means the end of the line, as the specification says;
// a position inside a surrogate pair snaps to the start of that character.
// The line just past the last one is accepted as the end of the document.
func (d *document) offset(p protocol.Position) (int, error) {
	line := int(p.Line)
	if line == len(d.lines) && p.Character == 0 {
		return len(d.text), nil
	}
	if line >= len(d.lines) {
		return 0, fmt.Errorf("lsp: position %d:%d: line out of range (the document has %d lines)", p.Line, p.Character, len(d.lines))
	}
	start, end := d.lineBounds(line)
	units := int(p.Character)
	i := start
	for i < end && units > 0 {
		r, size := utf8.DecodeRuneInString(d.text[i:end])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if w > units {
			break
		}
		units -= w
		i += size
	}
	return i, nil
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) uint32 {
	var n uint32
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// lineRange is the range covering line n without its terminator.
func (d *document) lineRange(n uint32) (protocol.Range, error) {
	if int(n) >= len(d.lines) {
		return protocol.Range{}, fmt.Errorf("lsp: line %d out of range (the document has %d lines)", n, len(d.lines))
	}
	start, end := d.lineBounds(int(n))
	return protocol.Range{
		Start: protocol.Position{Line: n},
		End:   protocol.Position{Line: n, Character: utf16Len(d.text[start:end])},
	}, nil
}

// slice returns the text of r.
func (d *document) slice(r protocol.Range) (string, error) {
	s, err := d.offset(r.Start)
	if err != nil {
		return "", err
	}
	e, err := d.offset(r.End)
	if err != nil {
		return "", err
	}
	if e < s {
		return "", fmt.Errorf("lsp: range %s: end before start", fmtRange(r))
	}
	return d.text[s:e], nil
}

// apply returns the document after changes, applied in order, at version.
func (d *document) apply(version int32, changes []protocol.TextDocumentContentChangeEvent) (*document, error) {
	text := d.text
	cur := d
	for i, ch := range changes {
		switch c := ch.(type) {
		case *protocol.TextDocumentContentChangeWholeDocument:
			text = c.Text
		case *protocol.TextDocumentContentChangePartial:
			s, err := cur.offset(c.Range.Start)
			if err != nil {
				return nil, fmt.Errorf("contentChanges[%d].range.start: %w", i, err)
			}
			e, err := cur.offset(c.Range.End)
			if err != nil {
				return nil, fmt.Errorf("contentChanges[%d].range.end: %w", i, err)
			}
			if e < s {
				return nil, fmt.Errorf("lsp: contentChanges[%d].range %s: end before start", i, fmtRange(c.Range))
			}
			text = text[:s] + c.Text + text[e:]
		default:
			return nil, fmt.Errorf("lsp: contentChanges[%d]: unknown change %T", i, ch)
		}
		if i+1 < len(changes) {
			cur = &document{text: text, lines: lineStarts(text)}
		}
	}
	return &document{uri: d.uri, language: d.language, version: version, text: text, lines: lineStarts(text)}, nil
}

func fmtRange(r protocol.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
}

// documents is the set of open documents. Readers take a snapshot pointer;
// only open, change and close write.
type documents struct {
	docsMu sync.RWMutex
	docs   map[uri.URI]*document
}

func newDocuments() *documents { return &documents{docs: map[uri.URI]*document{}} }

func (ds *documents) get(u uri.URI) (*document, bool) {
	ds.docsMu.RLock()
	defer ds.docsMu.RUnlock()
	d, ok := ds.docs[u]
	return d, ok
}

func (ds *documents) open(d *document) {
	ds.docsMu.Lock()
	defer ds.docsMu.Unlock()
	ds.docs[d.uri] = d
}

// change applies changes to the open document u. Changes it cannot apply
// leave the client's text unknown, so the document is forgotten (until the
// next didOpen) rather than kept stale: a code action listed on the stale
// copy would carry the old version and pass resolve's check, and its edit
// would land on the wrong text.
func (ds *documents) change(u uri.URI, version int32, changes []protocol.TextDocumentContentChangeEvent) error {
	ds.docsMu.Lock()
	defer ds.docsMu.Unlock()
	d, ok := ds.docs[u]
	if !ok {
		return fmt.Errorf("lsp: didChange for %s, which is not open", u)
	}
	nd, err := d.apply(version, changes)
	if err != nil {
		delete(ds.docs, u)
		return fmt.Errorf("%w; %s is closed until the client opens it again", err, u)
	}
	ds.docs[u] = nd
	return nil
}

func (ds *documents) close(u uri.URI) {
	ds.docsMu.Lock()
	defer ds.docsMu.Unlock()
	delete(ds.docs, u)
}

// languages maps file extensions to LSP language ids, for clients (Neovim
// without filetype detection) that send an empty languageId.
var languages = map[string]string{
	".go": "go", ".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
	".ts": "typescript", ".tsx": "typescriptreact", ".jsx": "javascriptreact", ".rs": "rust",
	".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".java": "java",
	".kt": "kotlin", ".rb": "ruby", ".php": "php", ".cs": "csharp", ".swift": "swift", ".lua": "lua",
	".sh": "shellscript", ".bash": "shellscript", ".zsh": "shellscript", ".sql": "sql", ".md": "markdown",
	".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".html": "html", ".css": "css",
	".scala": "scala", ".hs": "haskell", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang",
	".zig": "zig", ".dart": "dart", ".r": "r", ".pl": "perl", ".vim": "vim", ".el": "lisp",
	".clj": "clojure", ".ml": "ocaml", ".fs": "fsharp", ".tf": "terraform", ".proto": "proto",
}

// guessLanguage guesses a language id from a document URI's extension; "" if unknown.
func guessLanguage(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	base := path.Base(u)
	if base == "Makefile" || base == "makefile" {
		return "makefile"
	}
	if base == "Dockerfile" {
		return "dockerfile"
	}
	return languages[strings.ToLower(path.Ext(base))]
}
