package mcp

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"unicode/utf8"
)

// maxMessage bounds one incoming message (one line). A 5 MB prompt fits;
// a runaway client cannot make the server buffer without limit.
const maxMessage = 32 << 20

// screen sits between stdin and mcp-go. It passes well-formed lines through
// and answers the ones mcp-go would mishandle: a line that is not valid
// UTF-8 (Go's JSON decoder would silently turn the bad bytes into U+FFFD
// and send them to a model) or longer than maxMessage gets a JSON-RPC parse
// error carrying the request's id, and the server keeps serving.
func (h *handler) screen(in io.Reader, limit int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReaderSize(in, 64<<10)
		for {
			line, err := readLine(br, limit)
			switch {
			case errors.Is(err, errTooLong):
				h.reject(line, "message larger than 32 MiB")
				continue
			case len(line) > 0 && !utf8.Valid(line):
				h.reject(line, "message is not valid UTF-8; send UTF-8 JSON")
			case len(line) > 0:
				if line[len(line)-1] != '\n' {
					// The last message, unterminated: mcp-go reads whole
					// lines and would drop it unanswered at end of input.
					line = append(line, '\n')
				}
				if _, werr := pw.Write(line); werr != nil {
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr
}

var errTooLong = errors.New("line too long")

// idPattern finds a JSON-RPC id near the start of a truncated message.
var idPattern = regexp.MustCompile(`"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+)`)

// readLine reads one '\n'-terminated line of at most limit bytes; a
// longer one is consumed to its end and reported with its first bytes.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit {
			head := append(line[:len(line):len(line)], chunk...)
			head = head[:min(len(head), 4096)]
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return head, err
			}
			return head, errTooLong
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// reject answers a message that never reaches mcp-go.
func (h *handler) reject(line []byte, why string) {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &m) != nil { // the decoder tolerates bad UTF-8
		// A cut-off message: find the id in what we have.
		if g := idPattern.FindSubmatch(line); g != nil {
			m.ID = g[1]
		}
	}
	h.log.Warn().Str("reason", why).Int("bytes", len(line)).Msg("mcp: message rejected")
	if len(m.ID) == 0 || string(m.ID) == "null" {
		return // a notification: nobody to answer
	}
	b, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      m.ID,
		"error":   map[string]any{"code": -32700, "message": "parse error: " + why},
	})
	_, _ = h.out.Write(append(b, '\n'))
}
