package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// Dist summarises a latency distribution in milliseconds.
type Dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func dist(ds []time.Duration) Dist {
	if len(ds) == 0 {
		return Dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := max(int(math.Ceil(p*float64(len(s))))-1, 0) // nearest rank
		return ms(s[i])
	}
	return Dist{N: len(s), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Load is one path at one concurrency.
type Load struct {
	Path        string  `json:"path"`
	Concurrency int     `json:"concurrency"`
	Latency     Dist    `json:"latency"`
	TTFT        Dist    `json:"ttft"`
	RPS         float64 `json:"requests_per_s"`
	Errors      int     `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
}

// runLoad sends n requests through r from conc goroutines and measures
// each; a short warm-up first opens connections and fills caches.
func runLoad(ctx context.Context, path string, r runner, conc, n int) Load {
	for range min(conc, 32) {
		_, _, _ = r.do(ctx)
	}
	var (
		mu     sync.Mutex
		lat    = make([]time.Duration, 0, n)
		ttft   = make([]time.Duration, 0, n)
		errs   int
		first  string
		next   = make(chan struct{}, n)
		wg     sync.WaitGroup
		tstart = time.Now()
	)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range conc {
		wg.Go(func() {
			for range next {
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				t, total, err := r.do(rctx)
				cancel()
				mu.Lock()
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
				} else {
					lat = append(lat, total)
					if t > 0 {
						ttft = append(ttft, t)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	el := time.Since(tstart)
	return Load{Path: path, Concurrency: conc, Latency: dist(lat), TTFT: dist(ttft),
		RPS: math.Round(float64(n) / el.Seconds()), Errors: errs, FirstError: first}
}

// samples runs r n times one after another and returns the TTFTs (or the
// totals when byTotal).
func samples(ctx context.Context, r runner, n int) (ttft, total []time.Duration, errs int, first error) {
	for range n {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		t, tot, err := r.do(rctx)
		cancel()
		if err != nil {
			errs++
			if first == nil {
				first = err
			}
			continue
		}
		ttft, total = append(ttft, t), append(total, tot)
	}
	return ttft, total, errs, first
}
