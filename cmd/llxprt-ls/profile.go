package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/llxprt/llxprt-ls/profile"
)

// runProfile runs `profile list|show|save|delete|default|validate|init`
// straight on the profile store; no balancer is built.
func runProfile(ctx context.Context, g *global, args []string, io stdio) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: profile: want list, show NAME, save NAME --from FILE, delete NAME, default [NAME], validate FILE or init", errUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("profile "+sub, io.err)
	if sub == "-h" || sub == "--help" || sub == "-help" || sub == "help" {
		return helpFor(newFlagSet("profile", io.err))
	}
	var from, format string
	var asJSON bool
	if sub == "save" {
		fs.StringVar(&from, "from", "", "read the profile from this file (- for stdin)")
		fs.StringVar(&format, "format", "", "save as json or toml (default: the input's format)")
	}
	if sub == "list" || sub == "show" {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	}
	pos, err := g.parse(fs, args)
	if err != nil {
		return err
	}
	dir, err := profile.ConfigDir(g.configDir)
	if err != nil {
		return err
	}
	store := profile.OpenStore(dir)
	want := func(n int, what string) error {
		if len(pos) != n {
			return fmt.Errorf("%w: profile %s: want %s", errUsage, sub, what)
		}
		return nil
	}
	switch sub {
	case "list", "ls":
		if err := want(0, "no arguments"); err != nil {
			return err
		}
		return profileList(store, asJSON, io)
	case "show":
		if err := want(1, "a profile name"); err != nil {
			return err
		}
		p, err := store.Load(pos[0])
		if err != nil {
			return err
		}
		return printJSON(io, p.Masked())
	case "save":
		if err := want(1, "a profile name and --from FILE"); err != nil {
			return err
		}
		return profileSave(store, pos[0], from, format, io)
	case "delete", "rm":
		if err := want(1, "a profile name"); err != nil {
			return err
		}
		if err := store.Delete(pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(io.err, "deleted profile %s\n", pos[0])
		return nil
	case "default":
		if len(pos) == 0 {
			d, err := store.Default()
			if err != nil {
				return err
			}
			if d == "" {
				return fmt.Errorf("no default profile; set one with \"llxprt-ls profile default NAME\"")
			}
			fmt.Fprintln(io.out, d)
			return nil
		}
		if err := want(1, "a profile name"); err != nil {
			return err
		}
		if err := store.SetDefault(pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(io.err, "default profile is now %s\n", pos[0])
		return nil
	case "validate":
		if err := want(1, "a file"); err != nil {
			return err
		}
		warnings, err := profile.ValidateFile(pos[0])
		for _, w := range warnings {
			fmt.Fprintf(io.err, "warning: %s\n", w)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "%s: ok\n", pos[0])
		return nil
	case "init":
		if err := want(0, "no arguments"); err != nil {
			return err
		}
		written, err := store.Init()
		if err != nil {
			return err
		}
		for _, n := range written {
			fmt.Fprintf(io.out, "wrote profile %s\n", n)
		}
		if len(written) == 0 {
			fmt.Fprintln(io.out, "every starter profile already exists; nothing written")
		}
		def, err := store.Default()
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "profiles are in %s; the default profile is %s (change it with: llxprt-ls profile default NAME)\n", dir, def)
		fmt.Fprintln(io.out, "set ANTHROPIC_API_KEY, OPENAI_API_KEY and GEMINI_API_KEY, then try: llxprt-ls status --probe")
		return nil
	}
	return fmt.Errorf("%w: profile %s: unknown; want list, show, save, delete, default, validate or init", errUsage, sub)
}

func profileList(store *profile.Store, asJSON bool, io stdio) error {
	list, err := store.List()
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(io, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(io.err, "no profiles; run \"llxprt-ls profile init\" to write the recipe's three")
		return nil
	}
	tw := tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFORMAT\tPOLICY\tBUCKETS\tSTATUS")
	for _, s := range list {
		name := s.Name
		if s.IsDefault {
			name += " (default)"
		}
		var bs []string
		for _, b := range s.Buckets {
			bs = append(bs, b.Provider+"/"+b.Model)
		}
		status := "ok"
		if !s.Valid {
			status = "invalid: " + s.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, s.Format, s.Policy, strings.Join(bs, ", "), status)
	}
	return tw.Flush()
}

func profileSave(store *profile.Store, name, from, format string, io stdio) error {
	if from == "" {
		return fmt.Errorf("%w: profile save: want --from FILE (or - for stdin)", errUsage)
	}
	var data []byte
	var err error
	if from == "-" {
		data, err = readStdin(io.in)
	} else {
		data, err = os.ReadFile(from)
	}
	if err != nil {
		return fmt.Errorf("profile save: %w", err)
	}
	filename := from
	if from == "-" {
		filename = name + ".json"
		if t := strings.TrimSpace(string(data)); !strings.HasPrefix(t, "{") {
			filename = name + ".toml"
		}
	}
	p, err := profile.Parse(data, filename)
	if err != nil {
		return err
	}
	if format == "" {
		format = p.Format
	}
	if format != "json" && format != "toml" {
		return fmt.Errorf("%w: --format %q: want json or toml", errUsage, format)
	}
	if err := store.Save(name, p, format); err != nil {
		return err
	}
	for _, w := range p.Warnings() {
		fmt.Fprintf(io.err, "warning: %s\n", w)
	}
	fmt.Fprintf(io.err, "saved profile %s (%s)\n", name, format)
	return nil
}

func printJSON(io stdio, v any) error {
	enc := json.NewEncoder(io.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
