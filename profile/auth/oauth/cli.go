package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
)

// IO is the terminal the `auth` command talks to. Prompts, links and
// progress go to Err; Out carries only `auth status` output.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// ErrUsage marks a command-line mistake; the caller exits with 2.
var ErrUsage = errors.New("usage")

// Usage is the `auth` command's help.
const Usage = `Usage:
  llxprt-ls auth login PROVIDER [--no-browser]   sign in (qwen: device code; gemini: browser, or paste a code)
  llxprt-ls auth status [--json]                 per provider: logged in, account, expiry
  llxprt-ls auth logout PROVIDER                 revoke (where supported) and delete the stored token

Providers: gemini, qwen. Tokens live in <config-dir>/oauth/PROVIDER.json (mode 0600).
`

// Command is one parsed `llxprt-ls auth` command line.
type Command struct {
	// Action is "login", "status", "logout" or "help".
	Action string
	// Provider is the provider for login and logout.
	Provider string
	// NoBrowser makes login print the link (and, for Gemini, read a pasted
	// code) instead of opening a browser.
	NoBrowser bool
	// JSON makes status print JSON.
	JSON bool
}

// Run is the whole `llxprt-ls auth …` command on the tokens of configDir.
// opener opens a browser; nil means [BrowserOpener] on opt.Env. A mistake in
// the command line is an error wrapping [ErrUsage].
func Run(ctx context.Context, configDir string, c Command, tio IO, opt Options, opener Opener) error {
	s := NewStore(configDir, opt)
	switch c.Action {
	case "login":
		provider, err := oneProvider(c.Provider, "login")
		if err != nil {
			return err
		}
		switch {
		case c.NoBrowser:
			opener = nil
		case opener == nil:
			opener = BrowserOpener(s.opt.Env)
		}
		return login(ctx, s, provider, tio, opener)
	case "status":
		if c.Provider != "" {
			return fmt.Errorf("%w: auth status takes no provider", ErrUsage)
		}
		return printStatus(tio.Out, s.StatusAll(), c.JSON)
	case "logout":
		provider, err := oneProvider(c.Provider, "logout")
		if err != nil {
			return err
		}
		removed, err := s.Logout(ctx, provider)
		switch {
		case !removed && err == nil:
			fmt.Fprintf(tio.Err, "%s: not logged in; nothing to do\n", provider)
		case removed && err != nil:
			fmt.Fprintf(tio.Err, "%s: logged out (token deleted; the server did not confirm the revocation: %v)\n", provider, err)
			return nil
		case removed:
			fmt.Fprintf(tio.Err, "%s: logged out\n", provider)
		}
		return err
	case "help":
		fmt.Fprint(tio.Err, Usage)
		return nil
	case "":
		fmt.Fprint(tio.Err, Usage)
		return fmt.Errorf("%w: auth needs a subcommand: login, status or logout", ErrUsage)
	}
	return fmt.Errorf("%w: unknown auth subcommand %q: use login, status or logout", ErrUsage, c.Action)
}

func oneProvider(arg, sub string) (string, error) {
	if arg == "" {
		return "", fmt.Errorf("%w: auth %s needs a provider: %s", ErrUsage, sub, strings.Join(Providers(), " or "))
	}
	p := strings.ToLower(arg)
	if !Supported(p) {
		return "", fmt.Errorf("%w: %q has no OAuth login: use %s (other providers take an API key)", ErrUsage, arg, strings.Join(Providers(), " or "))
	}
	return p, nil
}

func login(ctx context.Context, s *Store, provider string, tio IO, opener Opener) error {
	ep, err := s.endpoint(provider)
	if err != nil {
		return err
	}
	var t *Token
	switch {
	case ep.Flow == FlowDevice:
		t, err = s.LoginDevice(ctx, provider, tio.Err, opener)
	case opener == nil:
		t, err = s.LoginManual(ctx, provider, tio.In, tio.Err)
	default:
		t, err = s.LoginLoopback(ctx, provider, tio.Err, opener)
	}
	if err != nil {
		return err
	}
	who := ""
	if t.Account != "" {
		who = " as " + t.Account
	}
	fmt.Fprintf(tio.Err, "%s: logged in%s; token stored in %s\n", provider, who, s.Path(provider))
	return nil
}

func printStatus(w io.Writer, sts []Status, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sts)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tLOGGED IN\tACCOUNT\tEXPIRES\tNOTE")
	for _, st := range sts {
		exp := "-"
		if !st.Expiry.IsZero() {
			exp = st.Expiry.Local().Format("2006-01-02 15:04")
		}
		acct := st.Account
		if acct == "" {
			acct = "-"
		}
		yes := "no"
		if st.LoggedIn {
			yes = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.Provider, yes, acct, exp, st.Message)
	}
	return tw.Flush()
}

// BrowserOpener returns an Opener when this machine can show a browser: $BROWSER
// set, or (on Linux and BSD) xdg-open on PATH with DISPLAY or
// WAYLAND_DISPLAY set, or macOS / Windows. nil otherwise, and the login
// flows then print the link (and Gemini reads a pasted code). env nil means
// os.Getenv.
func BrowserOpener(env func(string) string) Opener {
	if env == nil {
		env = os.Getenv
	}
	var name string
	var pre []string
	switch {
	case env("BROWSER") != "":
		name = env("BROWSER")
	case runtime.GOOS == "darwin":
		name = "open"
	case runtime.GOOS == "windows":
		name, pre = "rundll32", []string{"url.dll,FileProtocolHandler"}
	case env("DISPLAY") != "" || env("WAYLAND_DISPLAY") != "":
		name = "xdg-open"
	default:
		return nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil
	}
	return func(url string) error {
		cmd := exec.Command(path, append(pre, url)...)
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { _ = cmd.Wait() }() // reap; the browser outlives us
		return nil
	}
}
