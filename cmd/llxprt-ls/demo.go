package main

import (
	"context"
	"fmt"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/server"
)

// runDemo runs the failover show on simulated providers.
func runDemo(ctx context.Context, g *global, args []string, io stdio) error {
	var o demo.RunOptions
	var noColor bool
	fs := newFlagSet("demo", io.err)
	fs.IntVar(&o.Requests, "requests", 12, "how many requests to send")
	fs.BoolVar(&o.Fast, "fast", false, "no pauses (for scripts and tests)")
	fs.BoolVar(&noColor, "no-color", false, "no colour even on a terminal")
	if _, err := g.parse(fs, args); err != nil {
		return err
	}
	log, closeLog, err := g.logger(io.err, "disabled") // the show is the output
	if err != nil {
		return err
	}
	defer closeLog()
	o.Color = isTerminal(io.out) && !noColor
	o.Logger = log
	return demo.Run(ctx, io.out, o)
}

func runVersion(io stdio) error {
	_, err := fmt.Fprintf(io.out, "llxprt-ls %s\n", server.Version())
	return err
}
