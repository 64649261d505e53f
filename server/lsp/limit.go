package lsp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// MaxMessageBytes is the largest LSP message body the server reads, the
// same bound the MCP front end keeps. jsonrpc2 itself accepts up to 1 GiB
// and keeps its read buffer at the largest frame it has seen, so one hostile
// frame would pin that much memory for the rest of the session.
const MaxMessageBytes = 32 << 20

// maxHeaderBytes bounds one header block; a longer one is passed through for
// jsonrpc2 to reject as it would anyway.
const maxHeaderBytes = 8 << 10

// oversizeKey marks the stand-in frame limitReader puts where an oversized
// message was; the stream answers it with an error naming the size.
const oversizeKey = `{"llxprt-oversize":`

// limitReader sits under jsonrpc2's header framer and keeps every message
// body at or below max bytes without ever buffering a larger one: the body
// of an oversized message is discarded as it streams past, and the framer
// sees a small stand-in frame instead, which the stream answers with an
// error, so the session goes on.
type limitReader struct {
	r       *bufio.Reader
	max     int
	pending []byte // bytes to hand out before reading on
	body    int64  // body bytes of the current frame still to pass through
}

func newLimitReader(r io.Reader, max int) *limitReader {
	return &limitReader{r: bufio.NewReader(r), max: max}
}

func (l *limitReader) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.body > 0 {
			n, err := l.r.Read(p[:min(int64(len(p)), l.body)])
			l.body -= int64(n)
			return n, err
		}
		if err := l.header(); err != nil {
			return 0, err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// header reads one header block and queues it, or a stand-in frame when it
// declares more than max bytes (whose body it then discards).
func (l *limitReader) header() error {
	var block []byte
	length := int64(-1)
	for {
		line, err := l.r.ReadSlice('\n')
		block = append(block, line...)
		switch {
		case err == bufio.ErrBufferFull || len(block) > maxHeaderBytes:
			l.pending = block // not a header we can read: let the framer say so
			return nil
		case err != nil:
			if len(block) > 0 {
				l.pending = block
				return nil
			}
			return err
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break
		}
		if name, value, ok := bytes.Cut(trimmed, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("content-length")) {
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64); err == nil {
				length = n
			}
		}
	}
	if length == 0 {
		// jsonrpc2 ends the session on an empty body as on a broken
		// header, though the framing is intact: hand it an empty object,
		// which the stream answers as an invalid request.
		l.pending = []byte("Content-Length: 2\r\n\r\n{}")
		return nil
	}
	if length <= int64(l.max) {
		l.pending = block
		l.body = max(length, 0)
		return nil
	}
	if _, err := io.CopyN(io.Discard, l.r, length); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	stand := fmt.Sprintf("%s%d}", oversizeKey, length)
	l.pending = fmt.Appendf(nil, "Content-Length: %d\r\n\r\n%s", len(stand), stand)
	return nil
}
