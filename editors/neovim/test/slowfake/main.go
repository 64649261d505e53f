// Command slowfake is the Neovim test's slow provider: a providertest
// OpenAI-compatible server on 127.0.0.1 whose answers stream in paced
// chunks, so the headless test can see several $/progress updates arrive
// before the final answer and can stop an answer half way.
//
// It prints its base URL on stdout, keeps the last request body in --last
// (to check what context the editor sent), and keeps a stats file up to date
// ({"total", "active", "abandoned"}: requests seen, in flight, and dropped by
// the client before the stream ended), so the test can check that a stop in
// the editor really cancelled the provider call. It exits on SIGTERM or
// after --lifetime, so it cannot outlive a killed test run for long.
//
// A request containing "[slow]" gets a long answer (about a minute at the
// pace); anything else a short one of a dozen chunks.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/llxprt/llxprt-ls/providers/providertest"
)

func main() {
	stats := flag.String("stats", "", "file to keep the request counters in (JSON)")
	pace := flag.Duration("pace", 80*time.Millisecond, "delay between streamed chunks")
	lifetime := flag.Duration("lifetime", 3*time.Minute, "exit after this long")
	last := flag.String("last", "", "file to keep the last request body in (optional)")
	urlFile := flag.String("url", "", "file to write the fake's base URL to, once it listens")
	flag.Parse()
	if *stats == "" {
		fmt.Fprintln(os.Stderr, "slowfake: --stats FILE is required")
		os.Exit(2)
	}

	srv := providertest.NewOpenAI()
	defer srv.Close()
	srv.SetResponder(func(rec providertest.Recorded) providertest.Script {
		if *last != "" {
			if err := replaceFile(*last, rec.Body); err != nil {
				fmt.Fprintln(os.Stderr, "slowfake:", err)
			}
		}
		n := 12
		if strings.Contains(string(rec.Body), "[slow]") {
			n = 600
		}
		pieces := make([]string, 0, n)
		for i := range n {
			pieces = append(pieces, fmt.Sprintf("piece %d of the answer. ", i+1))
		}
		return providertest.Script{Text: pieces, Delay: *pace}
	})
	if err := os.WriteFile(*urlFile, []byte(srv.URL+"\n"), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "slowfake: write the URL: %v\n", err)
		os.Exit(1)
	}

	done := time.After(*lifetime)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := writeStats(*stats, srv); err != nil {
			fmt.Fprintln(os.Stderr, "slowfake:", err)
			return
		}
		select {
		case <-done:
			return
		case <-sig:
			return
		case <-tick.C:
		}
	}
}

// writeStats replaces the stats file atomically, so a reader never sees
// half a document.
func writeStats(path string, srv *providertest.Server) error {
	b, err := json.Marshal(map[string]int64{"total": srv.Total(), "active": srv.Active(), "abandoned": srv.Abandoned()})
	if err != nil {
		return fmt.Errorf("encode stats: %w", err)
	}
	if err := replaceFile(path, b); err != nil {
		return fmt.Errorf("write stats: %w", err)
	}
	return nil
}

// replaceFile writes b to a temporary file beside path and renames it over
// path. Concurrent callers each use their own temporary file.
func replaceFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
