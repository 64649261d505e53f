// Command llxprt-ls is the LLxprt language server and MCP server: one
// binary that editors and MCP clients start over stdio, answering chat,
// code-action and profile requests through a load balancer over many LLM
// providers.
//
// Where a request goes, top to bottom:
//
//	main → run: global flags (--config-dir, --log-level, --log-file), then the subcommand
//	  lsp   → server.New (profile → balancer → adapters) → lsp.Serve on stdin/stdout
//	  mcp   → server.New → mcp.Serve on stdin/stdout
//	  (bare, stdin piped) → the first bytes pick lsp ("Content-Length:") or mcp ("{")
//	  chat  → server.New → Service.Chat, answer on stdout, routing on stderr
//	  profile list|show|save|delete|default|validate|init → profile.Store
//	  status [--probe] → server.New → Service.Status / Service.Probe
//	  auth login|status|logout → profile/auth/oauth (free-tier OAuth sign-in)
//	  demo  → internal/demo: simulated providers with scripted outages
//	  version
//
// This package only parses flags and wires the pieces together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// stdio is the process's standard streams, passed down so nothing below
// reaches for os.Stdout by itself.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// errUsage marks a command-line mistake (exit code 2).
var errUsage = errors.New("usage")

// run dispatches one command line and returns the exit code.
func run(ctx context.Context, args []string, io stdio) int {
	g, rest, err := parseGlobal(args, io.err)
	if err != nil {
		return exitCode(io, err)
	}
	cmd, rest := "", rest
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "":
		err = runBare(ctx, g, io)
	case "lsp":
		err = runLSP(ctx, g, rest, io)
	case "mcp":
		err = runMCP(ctx, g, rest, io)
	case "chat":
		err = runChat(ctx, g, rest, io)
	case "profile", "profiles":
		err = runProfile(ctx, g, rest, io)
	case "status":
		err = runStatus(ctx, g, rest, io)
	case "auth":
		err = runAuth(ctx, g, rest, io)
	case "demo":
		err = runDemo(ctx, g, rest, io)
	case "version", "--version", "-v":
		err = runVersion(io)
	case "help", "-h", "--help":
		if len(rest) > 0 && cmd == "help" {
			// help COMMAND is COMMAND --help.
			return run(ctx, []string{rest[0], "--help"}, io)
		}
		err = &helpRequest{text: usage}
	default:
		err = fmt.Errorf("%w: unknown command %q; run \"llxprt-ls help\"", errUsage, cmd)
	}
	return exitCode(io, err)
}

// exitError carries a specific exit code (lsp's 1 after exit without
// shutdown) without printing anything more.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func exitCode(io stdio, err error) int {
	var ec exitError
	var help *helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		fmt.Fprint(io.out, help.text)
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case errors.Is(err, errUsage):
		msg := err.Error()
		if !strings.Contains(msg, "llxprt-ls help") {
			msg += `; run "llxprt-ls help"`
		}
		fmt.Fprintf(io.err, "llxprt-ls: %s\n", msg)
		return 2
	}
	fmt.Fprintf(io.err, "llxprt-ls: %v\n", err)
	return 1
}

const usage = `llxprt-ls — one language server and MCP server over many LLM providers, with failover.

Usage:
  llxprt-ls [global flags] <command> [flags]

Commands:
  lsp       serve the Language Server Protocol on stdin/stdout (editors)
  mcp       serve the Model Context Protocol on stdin/stdout (Claude Desktop, agents)
            (with no command and piped stdin, the first bytes choose lsp or mcp)
  chat      ask a question: llxprt-ls chat [--profile-load NAME | --profile JSON] [--session ID] [PROMPT | -]
  profile   list | show NAME | save NAME --from FILE [--format json|toml] | delete NAME
            | default [NAME] | validate FILE | init
  status    one row per bucket; --probe asks each bucket "Hello, are you working?" now
  auth      login PROVIDER [--no-browser] | status [--json] | logout PROVIDER  (Gemini, Qwen free tiers)
  demo      watch failover work on simulated providers (no keys, no network)
  version   print the version

Global flags:
  --config-dir DIR   profiles, settings.json and sessions (default $LLXPRT_HOME, else ~/.llxprt)
  --log-level LEVEL  debug, info, warn, error (default info for lsp/mcp, error otherwise)
  --log-file FILE    write logs there instead of stderr (never stdout)

Serving flags (lsp, mcp, chat, status):
  --profile-load NAME   use this saved profile instead of the default
  --profile JSON        use an inline profile, e.g. the recipe's one-liner
  --demo                serve from built-in simulated providers

Get started:
  llxprt-ls demo
  llxprt-ls profile init && export ANTHROPIC_API_KEY=... && llxprt-ls chat "Hello, are you working?"
`
