package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
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
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, &helpRequest{text: usage}
		}
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := g.checkLevel(); err != nil {
		return nil, nil, err
	}
	return g, fs.Args(), nil
}

// newFlagSet returns a flag set that prints nothing itself: a mistake comes
// back as an error that exitCode prints as one line, and -h/--help as a
// *helpRequest, instead of the flag package's dump of every flag on stderr.
// The writer is unused; the signature is kept for the commands' callers.
func newFlagSet(name string, _ io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// helpRequest is -h, --help or help: text goes to stdout and the exit code
// is 0.
type helpRequest struct{ text string }

func (h *helpRequest) Error() string { return "help requested" }

// commandHelp is each command's synopsis for `llxprt-ls COMMAND --help`,
// keyed by the first word of the flag set's name.
var commandHelp = map[string]string{
	"lsp":     "llxprt-ls lsp [flags]\n\nServe the Language Server Protocol on stdin/stdout; editors start it.",
	"mcp":     "llxprt-ls mcp [flags]\n\nServe the Model Context Protocol on stdin/stdout (Claude Desktop, agents).",
	"chat":    "llxprt-ls chat [flags] [PROMPT | -]\n\nAsk a question through the balancer: the answer on stdout, the routing on stderr.\nWith - (or no prompt) the prompt is read from stdin.",
	"status":  "llxprt-ls status [flags]\n\nOne row per bucket of the active profile; --probe asks each bucket \"Hello, are you working?\" now.",
	"demo":    "llxprt-ls demo [flags]\n\nWatch failover work on simulated providers with scripted outages (no keys, no network).",
	"auth":    "llxprt-ls auth login PROVIDER [--no-browser] | status [--json] | logout PROVIDER\n\nOAuth sign-in for the free tiers (Gemini, Qwen).",
	"profile": "llxprt-ls profile list | show NAME | save NAME --from FILE [--format json|toml] | delete NAME\n                  | default [NAME] | validate FILE | init\n\nManage the saved routing profiles.",
}

// helpFor is the help of the command whose flags fs holds.
func helpFor(fs *flag.FlagSet) *helpRequest {
	name, _, _ := strings.Cut(fs.Name(), " ")
	var b strings.Builder
	b.WriteString("Usage: ")
	if h, ok := commandHelp[name]; ok {
		b.WriteString(h)
	} else {
		b.WriteString("llxprt-ls " + fs.Name() + " [flags]")
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		b.WriteString("\n\nFlags:\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	} else {
		b.WriteString("\n")
	}
	b.WriteString("\nRun \"llxprt-ls help\" for every command.\n")
	return &helpRequest{text: b.String()}
}

// parse parses a command's flags (with the global ones) and returns the
// positional arguments. Flags may follow positional arguments.
func (g *global) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	g.addGlobal(fs)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpFor(fs)
			}
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

// isTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one too, and "llxprt-ls </dev/null" is a script, not
// a person waiting for help text.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
