package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/providers"
)

// Attachment is a file or a selection given as context to a prompt.
type Attachment struct {
	Path     string `json:"path,omitempty"`
	Language string `json:"language,omitempty"`
	Text     string `json:"text"`
}

// ChatRequest is one prompt in a conversation.
type ChatRequest struct {
	Prompt    string
	SessionID string // "" starts a new session
	System    string
	Profile   string // "" → the active profile
	Context   []Attachment
}

// ChatResult is a finished answer and how it was served.
type ChatResult struct {
	SessionID string             `json:"sessionId"`
	Text      string             `json:"text"`
	Provider  string             `json:"provider"`
	Model     string             `json:"model"`
	Bucket    string             `json:"bucket"`
	Usage     providers.Usage    `json:"usage"`
	CostUSD   float64            `json:"costUSD"`
	Attempts  []balancer.Attempt `json:"attempts"`
	Failovers int                `json:"failovers"`
	Dropped   int                `json:"droppedTurns,omitempty"` // history turns dropped to fit
}

// Chat sends a prompt with its session's history through the balancer.
// Deltas go to onDelta (may be nil) in order, from the calling goroutine, as
// they arrive; Chat returns when the answer is complete, then records the
// turn. Requests on one session are answered one at a time; different
// sessions run in parallel. Cancelling ctx cancels the provider call and
// records nothing.
func (s *Service) Chat(ctx context.Context, req ChatRequest, onDelta func(text string)) (*ChatResult, error) {
	prompt, err := s.composePrompt(req)
	if err != nil {
		return nil, err
	}
	a, err := s.balancerFor(ctx, req.Profile)
	if err != nil {
		return nil, err
	}
	id := req.SessionID
	if id == "" {
		id = newSessionID()
	}
	sess, err := s.sessions.acquire(id)
	if err != nil {
		return nil, err
	}
	defer s.sessions.release(id, sess)

	msgs, dropped := s.sessions.messages(sess, prompt)
	var res *ChatResult
	for {
		res, err = s.stream(ctx, a, &providers.Request{System: req.System, Messages: msgs}, onDelta)
		if err == nil || !tooLong(err) || len(msgs) == 1 {
			break
		}
		// No bucket's window holds the conversation: drop the oldest half
		// of the history (at least one turn) and ask again. Nothing was
		// streamed yet: the window is checked before the first token.
		n := max(1, (len(msgs)-1)/4)
		msgs = msgs[2*n:]
		dropped += n
		s.log.Info().Str("session", id).Int("dropped", n).Msg("conversation too long for every bucket; dropping the oldest turns")
	}
	if err != nil {
		return nil, err
	}
	res.SessionID, res.Dropped = id, dropped
	t := turn{Time: time.Now().UTC(), User: prompt, Assistant: res.Text, Provider: res.Provider, Model: res.Model, Bucket: res.Bucket}
	if err := s.sessions.append(id, sess, t); err != nil {
		// The answer is good; losing the turn on disk must not lose it.
		s.log.Error().Err(err).Str("session", id).Msg("could not save the turn")
		s.setWarning("sessions", "could not save a session turn: "+err.Error())
	}
	return res, nil
}

// stream runs one request through a's balancer, reporting busy/idle and the
// result's routing.
func (s *Service) stream(ctx context.Context, a *active, req *providers.Request, onDelta func(string)) (*ChatResult, error) {
	s.busy.Add(1)
	s.emit(StatusEvent{Kind: "normal", Busy: true, Message: "working", Profile: a.display(), Bucket: a.built.Balancer.LastServed()})
	var trace balancer.Trace
	var text strings.Builder
	var serr error
	for ev, err := range a.built.Balancer.StreamTrace(ctx, req, &trace) {
		if err != nil {
			serr = err
			break
		}
		if ev.Kind == providers.EventText && ev.Text != "" {
			text.WriteString(ev.Text)
			if onDelta != nil {
				onDelta(ev.Text)
			}
		}
	}
	left := s.busy.Add(-1)
	done := StatusEvent{Kind: "normal", Busy: left > 0, Profile: a.display(), Bucket: trace.Served}
	switch {
	case serr != nil && ctx.Err() != nil:
		done.Message = "cancelled"
	case serr != nil:
		done.Kind, done.Message = "error", serr.Error()
		var ex *balancer.ExhaustedError
		if !errors.As(serr, &ex) {
			done.Kind = "warning"
		}
	case trace.Failovers > 0:
		done.Kind, done.Message = "warning", fmt.Sprintf("served by %s after %d failover(s)", trace.Served, trace.Failovers)
	default:
		done.Message = "served by " + trace.Served
	}
	s.emit(done)
	if serr != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("server: %w", context.Cause(ctx))
		}
		return nil, serr
	}
	return &ChatResult{
		Text:      text.String(),
		Provider:  trace.Provider,
		Model:     trace.Model,
		Bucket:    trace.Served,
		Usage:     trace.Usage,
		CostUSD:   trace.CostUSD,
		Attempts:  trace.Attempts,
		Failovers: trace.Failovers,
	}, nil
}

// tooLong reports a request no bucket's context window could take.
func tooLong(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Kind == providers.KindContextTooLong
}

// composePrompt checks a prompt and puts its attachments in front of it.
func (s *Service) composePrompt(req ChatRequest) (string, error) {
	if strings.TrimSpace(req.Prompt) == "" {
		return "", inputErr("prompt", "empty")
	}
	size := len(req.Prompt) + len(req.System)
	for _, a := range req.Context {
		size += len(a.Text)
	}
	if size > s.opts.MaxPromptBytes {
		return "", inputErr("prompt", "%d bytes with its context, more than the %d allowed; send a smaller selection", size, s.opts.MaxPromptBytes)
	}
	if !utf8.ValidString(req.Prompt) || !utf8.ValidString(req.System) {
		return "", inputErr("prompt", "not valid UTF-8")
	}
	if len(req.Context) == 0 {
		return req.Prompt, nil
	}
	var b strings.Builder
	for i, a := range req.Context {
		if !utf8.ValidString(a.Text) {
			return "", inputErr(fmt.Sprintf("context[%d]", i), "not valid UTF-8")
		}
		fence := "```"
		for strings.Contains(a.Text, fence) {
			fence += "`"
		}
		if a.Path != "" {
			fmt.Fprintf(&b, "File: %s\n", a.Path)
		}
		fmt.Fprintf(&b, "%s%s\n%s\n%s\n\n", fence, a.Language, strings.TrimRight(a.Text, "\n"), fence)
	}
	b.WriteString(req.Prompt)
	return b.String(), nil
}
