package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/llxprt/llxprt-ls/server"
)

// runStatus prints one row per bucket of the active profile; --probe asks
// every bucket "Hello, are you working?" at once and shows what answered.
func runStatus(ctx context.Context, g *global, args []string, io stdio) error {
	var sf serveFlags
	var probe, asJSON bool
	var timeout time.Duration
	fs := newFlagSet("status", io.err)
	sf.add(fs)
	fs.BoolVar(&probe, "probe", false, "send every bucket a tiny request now")
	fs.DurationVar(&timeout, "timeout", 15*time.Second, "how long --probe waits for each bucket")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if _, err := g.parse(fs, args); err != nil {
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
	var answers []server.Answer
	if probe {
		if answers, err = svc.Probe(ctx, timeout); err != nil {
			return err
		}
	}
	st := svc.Status()
	if asJSON {
		return printJSON(io, map[string]any{"status": st, "probe": answers})
	}
	if st.Error != "" {
		return fmt.Errorf("%s", st.Error)
	}
	fmt.Fprintf(io.out, "profile %s (%s)\n", st.Profile, st.Policy)
	tw := tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET\tPROVIDER\tMODEL\tCREDENTIAL\tSTATE\tCIRCUIT\tLAST ERROR")
	for _, b := range st.Buckets {
		cred := b.CredentialSource
		if cred == "" {
			cred = "-"
		}
		state := b.State
		switch {
		case b.CooldownUntil != nil && b.CooldownUntil.After(time.Now()):
			state += " until " + b.CooldownUntil.Local().Format("15:04:05")
		case b.DisabledReason != "":
			state += " (" + oneLine(b.DisabledReason, 40) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Name, b.Provider, b.Model, cred, state, b.Circuit, oneLine(orDash(b.LastError), 80))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, w := range st.Warnings {
		fmt.Fprintf(io.err, "warning: %s\n", w)
	}
	if !probe {
		return nil
	}
	fmt.Fprintf(io.out, "\nprobe: %q\n", server.ProbePrompt)
	tw = tabwriter.NewWriter(io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET\tRESULT\tFIRST TOKEN\tTOTAL\tANSWER / ERROR")
	failed := 0
	for _, a := range answers {
		result, detail := "ok", oneLine(a.Text, 60)
		if a.Error != "" {
			result, detail = "FAIL", oneLine(a.Error, 80)
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f ms\t%.0f ms\t%s\n", a.Bucket, result, a.TTFTMs, a.LatencyMs, detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed == len(answers) && failed > 0 {
		return exitError(1)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
