package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/llxprt/llxprt-ls/server"
)

// runChat asks one question: the answer streams to stdout; the serving
// bucket, each failover and the usage go to stderr, so `chat ... > answer.md`
// keeps only the answer.
func runChat(ctx context.Context, g *global, args []string, io stdio) error {
	var sf serveFlags
	var session, system string
	var quiet bool
	fs := newFlagSet("chat", io.err)
	sf.add(fs)
	fs.StringVar(&session, "session", "", "continue this session id (shown on stderr after each answer)")
	fs.StringVar(&system, "system", "", "system prompt")
	fs.BoolVar(&quiet, "quiet", false, "print only the answer (no routing on stderr)")
	pos, err := g.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && isTerminal(io.in) {
		fmt.Fprintln(io.err, "llxprt-ls: type the prompt, then Ctrl-D")
	}
	prompt, err := readPrompt(pos, io.in)
	if err != nil {
		return err
	}
	log, closeLog, err := g.logger(io.err, "error")
	if err != nil {
		return err
	}
	defer closeLog()
	svc, done, err := g.service(ctx, sf, log, false)
	if err != nil {
		return err
	}
	defer done()
	if !quiet {
		unsub := svc.Subscribe(func(ev server.StatusEvent) {
			if ev.Failover != nil {
				fmt.Fprintf(io.err, "llxprt-ls: %s\n", ev.Message)
			}
		})
		defer unsub()
	}
	res, err := svc.Chat(ctx, server.ChatRequest{Prompt: prompt, SessionID: session, System: system}, func(t string) {
		_, _ = io.out.Write([]byte(t))
	})
	if err != nil {
		return err
	}
	if !strings.HasSuffix(res.Text, "\n") {
		fmt.Fprintln(io.out)
	}
	if !quiet {
		fmt.Fprintf(io.err, "llxprt-ls: served by %s (%s %s) · %d in / %d out tokens · $%.6f · session %s\n",
			res.Bucket, res.Provider, res.Model, res.Usage.InputTokens, res.Usage.OutputTokens, res.CostUSD, res.SessionID)
		if res.Dropped > 0 {
			fmt.Fprintf(io.err, "llxprt-ls: the %d oldest turn(s) of this session were not sent\n", res.Dropped)
		}
	}
	return nil
}

// readPrompt takes the prompt from the arguments, or stdin for "-" (or no
// argument at all).
func readPrompt(pos []string, in io.Reader) (string, error) {
	if len(pos) == 0 || (len(pos) == 1 && pos[0] == "-") {
		b, err := io.ReadAll(io.LimitReader(in, 8<<20))
		if err != nil {
			return "", fmt.Errorf("read prompt from stdin: %w", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return "", fmt.Errorf("%w: chat: no prompt; give it as an argument or on stdin", errUsage)
		}
		return string(b), nil
	}
	return strings.Join(pos, " "), nil
}

// readStdin reads a document piped on stdin (at most 8 MiB).
func readStdin(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, 8<<20)) }
