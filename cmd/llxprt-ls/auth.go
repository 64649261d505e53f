package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/profile/auth/oauth"
)

// runAuth is `llxprt-ls auth login PROVIDER | status | logout PROVIDER`:
// the OAuth logins of the free tiers (Qwen's device code, Gemini's browser
// sign-in). Links and prompts go to stderr; only `auth status` writes to
// stdout.
func runAuth(ctx context.Context, g *global, args []string, io stdio) error {
	var c oauth.Command
	fs := newFlagSet("auth", io.err)
	fs.BoolVar(&c.NoBrowser, "no-browser", false, "print the sign-in link (and read a pasted code) instead of opening a browser")
	fs.BoolVar(&c.JSON, "json", false, "print status as JSON")
	pos, err := g.parse(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		c.Action = ""
	case 1:
		c.Action = pos[0]
	case 2:
		c.Action, c.Provider = pos[0], pos[1]
	default:
		return fmt.Errorf("%w: too many arguments to auth: %s", errUsage, strings.Join(pos[2:], " "))
	}
	dir, err := profile.ConfigDir(g.configDir)
	if err != nil {
		return err
	}
	log, closeLog, err := g.logger(io.err, "error")
	if err != nil {
		return err
	}
	defer closeLog()
	err = oauth.Run(ctx, dir, c, oauth.IO{In: io.in, Out: io.out, Err: io.err}, oauth.Options{Logger: log}, nil)
	if errors.Is(err, oauth.ErrUsage) {
		return fmt.Errorf("%w: %s", errUsage, strings.TrimPrefix(err.Error(), oauth.ErrUsage.Error()+": "))
	}
	return err
}
