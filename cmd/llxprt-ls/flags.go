package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/server"
)

// global holds the flags every command takes.
type global struct {
	configDir string
	logLevel  string
	logFile   string
}

// addGlobal registers the global flags on fs, so they work before and after
// the command name.
func (g *global) addGlobal(fs *flag.FlagSet) {
	fs.StringVar(&g.configDir, "config-dir", g.configDir, "profiles, settings.json and sessions directory")
	fs.StringVar(&g.logLevel, "log-level", g.logLevel, "debug, info, warn or error")
	fs.StringVar(&g.logFile, "log-file", g.logFile, "write logs to this file instead of stderr")
}

// parseGlobal reads the global flags before the command name.
func parseGlobal(args []string, stderr io.Writer) (*global, []string, error) {
	g := &global{}
	fs := newFlagSet("llxprt-ls", stderr)
	g.addGlobal(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := g.checkLevel(); err != nil {
		return nil, nil, err
	}
	return g, fs.Args(), nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses a command's flags (with the global ones) and returns the
// positional arguments. Flags may follow positional arguments.
func (g *global) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	g.addGlobal(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "-" || !strings.HasPrefix(args[0], "-") {
			pos = append(pos, args[0])
			args = args[1:]
			continue
		}
	}
}

// checkLevel refuses an unknown --log-level before any command runs.
func (g *global) checkLevel() error {
	if g.logLevel == "" {
		return nil
	}
	if _, err := zerolog.ParseLevel(strings.ToLower(g.logLevel)); err != nil {
		return fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, g.logLevel)
	}
	return nil
}

// logger builds the zerolog logger: to --log-file, else stderr; never
// stdout. def is the level when --log-level is not given.
func (g *global) logger(stderr io.Writer, def string) (zerolog.Logger, func(), error) {
	level := g.logLevel
	if level == "" {
		level = def
	}
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Nop(), nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", errUsage, level)
	}
	w, closeFn := stderr, func() {}
	if g.logFile != "" {
		f, err := os.OpenFile(g.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return zerolog.Nop(), nil, fmt.Errorf("--log-file: %w", err)
		}
		w, closeFn = f, func() { _ = f.Close() }
	} else if isTerminal(stderr) {
		w = zerolog.ConsoleWriter{Out: stderr, TimeFormat: "15:04:05"}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), closeFn, nil
}

// serveFlags are the flags of commands that route requests.
type serveFlags struct {
	profileName string
	inline      string
	demo        bool
}

func (sf *serveFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&sf.profileName, "profile-load", "", "use this saved profile instead of the default")
	fs.StringVar(&sf.inline, "profile", "", "use this inline profile JSON (the recipe's one-liner)")
	fs.BoolVar(&sf.demo, "demo", false, "serve from built-in simulated providers (no keys, no network)")
}

// service builds the Service for a serving command. With --demo the
// simulated providers start first and their profile is used inline.
func (g *global) service(ctx context.Context, sf serveFlags, log zerolog.Logger, watch bool) (*server.Service, func(), error) {
	set := 0
	for _, on := range []bool{sf.profileName != "", sf.inline != "", sf.demo} {
		if on {
			set++
		}
	}
	if set > 1 {
		return nil, nil, fmt.Errorf("%w: give one of --profile-load, --profile and --demo", errUsage)
	}
	dir, err := profile.ConfigDir(g.configDir)
	if err != nil {
		return nil, nil, err
	}
	opts := server.Options{ConfigDir: dir, Profile: sf.profileName, Logger: log, NoWatch: !watch}
	cleanup := func() {}
	switch {
	case sf.demo:
		// Paced so an editor shows the answer streaming; every third request
		// fails over so the status bar has something to show.
		env, err := demo.Start(ctx, demo.Options{Pace: 20 * time.Millisecond, Scene: demo.Scene{Flaky: true}})
		if err != nil {
			return nil, nil, err
		}
		opts.Inline, opts.InlineName, cleanup = env.Profile, "demo", env.Close
	case sf.inline != "":
		p, err := profile.ParseInline(sf.inline)
		if err != nil {
			return nil, nil, fmt.Errorf("--profile: %w", err)
		}
		opts.Inline = p
	}
	svc, err := server.New(ctx, opts)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return svc, func() { _ = svc.Close(); cleanup() }, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
