package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/rs/zerolog"
	"go.lsp.dev/jsonrpc2"
)

// frameStream is jsonrpc2's raw-frame extension of Stream, which its header
// framer implements; the connection reads frames through it when present.
type frameStream interface {
	ReadFrame(ctx context.Context) ([]byte, int64, error)
	WriteFrame(ctx context.Context, data []byte) (int64, error)
}

// stream keeps the session alive across malformed messages. jsonrpc2 ends
// the connection on a frame it cannot decode (not JSON, no "jsonrpc":"2.0",
// a bad id); stream answers such a frame with the JSON-RPC error itself —
// ParseError or InvalidRequest, with the request's id when one can be read —
// and goes on to the next frame. A broken header still ends the session: the
// framing is lost and there is no way to find the next message.
type stream struct {
	jsonrpc2.Stream
	frames frameStream
	log    zerolog.Logger
}

func newStream(inner jsonrpc2.Stream, log zerolog.Logger) jsonrpc2.Stream {
	fs, ok := inner.(frameStream)
	if !ok {
		return inner
	}
	return &stream{Stream: inner, frames: fs, log: log}
}

func (s *stream) ReadFrame(ctx context.Context) ([]byte, int64, error) {
	for {
		frame, n, err := s.frames.ReadFrame(ctx)
		if err != nil {
			return frame, n, err
		}
		code, msg := checkFrame(frame)
		if code == 0 {
			return frame, n, nil
		}
		s.log.Warn().Int("code", int(code)).Str("error", msg).Int("bytes", len(frame)).Msg("malformed message answered and skipped")
		if _, werr := s.frames.WriteFrame(ctx, errorFrame(frameID(frame), code, msg)); werr != nil {
			return nil, 0, werr
		}
	}
}

func (s *stream) WriteFrame(ctx context.Context, data []byte) (int64, error) {
	return s.frames.WriteFrame(ctx, data)
}

// checkFrame reports what jsonrpc2 would fail on, as a JSON-RPC error code
// and message; code 0 means the frame is fine.
func checkFrame(frame []byte) (jsonrpc2.Code, string) {
	if rest, ok := bytes.CutPrefix(frame, []byte(oversizeKey)); ok {
		return jsonrpc2.InvalidRequest, fmt.Sprintf("lsp: message of %s bytes is larger than the %d MiB limit; send less (a file or selection in pieces)", bytes.TrimSuffix(rest, []byte("}")), MaxMessageBytes>>20)
	}
	trimmed := bytes.TrimSpace(frame)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		// A batch: jsonrpc2 answers its members itself, but only if it parses.
		if !json.Valid(trimmed) {
			return jsonrpc2.ParseError, "lsp: message is not valid JSON"
		}
		return 0, ""
	}
	if _, err := jsonrpc2.DecodeMessage(frame); err != nil {
		if !json.Valid(trimmed) {
			return jsonrpc2.ParseError, "lsp: message is not valid JSON"
		}
		return jsonrpc2.InvalidRequest, `lsp: not a JSON-RPC 2.0 message: want an object with "jsonrpc":"2.0", a string "method" and a number or string "id"`
	}
	return 0, ""
}

// frameID returns the frame's id when it is a number or a string, else null.
func frameID(frame []byte) json.RawMessage {
	var env struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(frame, &env) == nil && len(env.ID) > 0 {
		switch env.ID[0] {
		case '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return env.ID
		}
	}
	return json.RawMessage("null")
}

func errorFrame(id json.RawMessage, code jsonrpc2.Code, msg string) []byte {
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   jsonrpc2.Error  `json:"error"`
	}{"2.0", id, jsonrpc2.Error{Code: code, Message: msg}})
	return b
}
