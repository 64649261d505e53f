package balancer

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llxprt/llxprt-ls/providers"
)

// Settings tune one balancer. Every field names the profile key it comes
// from; SETTINGS.md lists them all with units and defaults. A zero duration
// means "off" unless the field says otherwise.
type Settings struct {
	// RetryCount is failover_retry_count: total attempts on one bucket per
	// request before moving on (as in LLxprt Code, 1 means no retry).
	// Default 2; values below 1 are read as 1.
	RetryCount int
	// RetryDelay is failover_retry_delay_ms: the base delay before a retry
	// on the same bucket, doubled per retry with full jitter (a random delay
	// in [0, base·2^n]). Default 0: retry at once.
	RetryDelay time.Duration
	// MaxRetryDelay is failover_retry_max_delay_ms: the cap on that growth.
	// Default 30s.
	MaxRetryDelay time.Duration
	// FailoverOnNetworkErrors is failover_on_network_errors: whether a
	// refused, reset or cut connection moves on (true) or is returned to the
	// caller (false). Default true.
	FailoverOnNetworkErrors bool
	// FailoverStatusCodes is failover_status_codes: the HTTP statuses of
	// transient errors (429, 5xx, 529) that retry or move on; a transient
	// error with another status is returned to the caller. Auth (401/403)
	// and billing (402) always move on; other 4xx never do. Default
	// [429 500 502 503 504 529].
	FailoverStatusCodes []int
	// FirstTokenTimeout is first_token_timeout_ms, or timeout_ms when that is
	// not set: how long a bucket may take to send its first content (text or
	// thinking) before the balancer gives up on it and moves on. Default 0:
	// no limit.
	FirstTokenTimeout time.Duration
	// IdleTimeout is idle_timeout_ms: the longest silence allowed between two
	// events of a stream (and before the first one when FirstTokenTimeout is
	// 0). Default 0: no limit.
	IdleTimeout time.Duration
	// RequestTimeout is request_timeout_ms: the whole request, every attempt
	// and wait included. Default 0: only the caller's context bounds it.
	RequestTimeout time.Duration
	// HedgeAfter is hedge_after_ms: when the bucket being tried has sent no
	// content after this long, the next bucket starts in parallel and the
	// first to send content wins. Default 0: no hedging.
	HedgeAfter time.Duration
	// TPMThreshold is tpm_threshold: a bucket that used this many tokens
	// (input+output) in the last minute is skipped until its rate drops.
	// Default 0: no limit.
	TPMThreshold int
	// CircuitBreakerEnabled is circuit_breaker_enabled. Default true.
	CircuitBreakerEnabled bool
	// CircuitBreakerFailureThreshold is circuit_breaker_failure_threshold:
	// failures within the window that open a bucket's circuit. Default 3.
	CircuitBreakerFailureThreshold int
	// CircuitBreakerFailureWindow is circuit_breaker_failure_window_ms.
	// Default 60s.
	CircuitBreakerFailureWindow time.Duration
	// CircuitBreakerRecoveryTimeout is circuit_breaker_recovery_timeout_ms:
	// how long an open circuit stays open before one probe is let through.
	// Default 30s.
	CircuitBreakerRecoveryTimeout time.Duration
	// RateLimitCooldown is rate_limit_cooldown_ms: the cooldown after a 429
	// that carried no Retry-After or reset header. Default 30s.
	RateLimitCooldown time.Duration
	// MaxWait is max_wait_ms: when every bucket is cooling down or open and
	// the request has no deadline, the longest the balancer waits for the
	// soonest one to free. Default 30s; with a deadline the deadline rules.
	// 0 never waits, deadline or not.
	MaxWait time.Duration
	// LatencyExploration is latency_exploration: for the latency policy, the
	// share of requests (0..1) that start at a random bucket so a recovered
	// bucket gets measured again. Default 0.1.
	LatencyExploration float64
	// ContextLimit is the profile's context-limit in tokens: the window of a
	// bucket whose own context-limit and model metadata are both unknown.
	// Default 0: unknown.
	ContextLimit int
}

// DefaultSettings returns the defaults listed in SETTINGS.md.
func DefaultSettings() Settings {
	return Settings{
		RetryCount:                     2,
		MaxRetryDelay:                  30 * time.Second,
		FailoverOnNetworkErrors:        true,
		FailoverStatusCodes:            []int{429, 500, 502, 503, 504, 529},
		CircuitBreakerEnabled:          true,
		CircuitBreakerFailureThreshold: 3,
		CircuitBreakerFailureWindow:    60 * time.Second,
		CircuitBreakerRecoveryTimeout:  30 * time.Second,
		RateLimitCooldown:              30 * time.Second,
		MaxWait:                        30 * time.Second,
		LatencyExploration:             0.1,
	}
}

// ParseSettings reads a profile's ephemeralSettings and, when present, the
// "lb" object's own keys (which win). Keys may be spelled with '-' or '_'.
// Keys the balancer does not know are ignored: the profile layer owns them.
// A value of the wrong type is an error naming the key and the fix. Numbers
// written as strings ("5000", as /set stores them) are accepted.
func ParseSettings(m map[string]any) (Settings, error) {
	s := DefaultSettings()
	var firstToken, legacyTimeout *time.Duration
	apply := func(src map[string]any) error {
		for k, v := range src {
			key := strings.ReplaceAll(strings.ToLower(k), "-", "_")
			var err error
			switch key {
			case "failover_retry_count":
				s.RetryCount, err = intSetting(k, v, 1)
			case "failover_retry_delay_ms":
				s.RetryDelay, err = msSetting(k, v)
			case "failover_retry_max_delay_ms":
				s.MaxRetryDelay, err = msSetting(k, v)
			case "failover_on_network_errors":
				s.FailoverOnNetworkErrors, err = boolSetting(k, v)
			case "failover_status_codes":
				s.FailoverStatusCodes, err = codesSetting(k, v)
			case "timeout_ms":
				var d time.Duration
				d, err = msSetting(k, v)
				legacyTimeout = &d
			case "first_token_timeout_ms":
				var d time.Duration
				d, err = msSetting(k, v)
				firstToken = &d
			case "idle_timeout_ms":
				s.IdleTimeout, err = msSetting(k, v)
			case "request_timeout_ms":
				s.RequestTimeout, err = msSetting(k, v)
			case "hedge_after_ms":
				s.HedgeAfter, err = msSetting(k, v)
			case "tpm_threshold":
				s.TPMThreshold, err = intSetting(k, v, 0)
			case "circuit_breaker_enabled":
				s.CircuitBreakerEnabled, err = boolSetting(k, v)
			case "circuit_breaker_failure_threshold":
				s.CircuitBreakerFailureThreshold, err = intSetting(k, v, 1)
			case "circuit_breaker_failure_window_ms":
				s.CircuitBreakerFailureWindow, err = msSetting(k, v)
			case "circuit_breaker_recovery_timeout_ms":
				s.CircuitBreakerRecoveryTimeout, err = msSetting(k, v)
			case "rate_limit_cooldown_ms":
				s.RateLimitCooldown, err = msSetting(k, v)
			case "max_wait_ms":
				s.MaxWait, err = msSetting(k, v)
			case "latency_exploration":
				var f float64
				if f, err = floatSetting(k, v); err == nil && (f < 0 || f > 1) {
					err = fmt.Errorf("balancer: setting %q: want a share between 0 and 1, got %v", k, f)
				}
				s.LatencyExploration = f
			case "context_limit":
				s.ContextLimit, err = intSetting(k, v, 0)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := apply(m); err != nil {
		return Settings{}, err
	}
	if lb, ok := m["lb"].(map[string]any); ok {
		if err := apply(lb); err != nil {
			return Settings{}, err
		}
	}
	switch {
	case firstToken != nil:
		s.FirstTokenTimeout = *firstToken
	case legacyTimeout != nil:
		s.FirstTokenTimeout = *legacyTimeout
	}
	return s, nil
}

// normalized fills in the floors the rest of the package relies on.
func (s Settings) normalized() Settings {
	s.RetryCount = max(s.RetryCount, 1)
	s.CircuitBreakerFailureThreshold = max(s.CircuitBreakerFailureThreshold, 1)
	if s.MaxRetryDelay <= 0 {
		s.MaxRetryDelay = 30 * time.Second
	}
	if s.RateLimitCooldown <= 0 {
		s.RateLimitCooldown = 30 * time.Second
	}
	s.FailoverStatusCodes = slices.Clone(s.FailoverStatusCodes)
	return s
}

// numberSetting reads a number, also written as a string ("30000"), as
// hand-edited profiles sometimes have it.
func numberSetting(k string, v any) (float64, bool) {
	if str, ok := v.(string); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
		return f, err == nil
	}
	return providers.Number(v)
}

func intSetting(k string, v any, floor int) (int, error) {
	f, ok := numberSetting(k, v)
	if !ok || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("balancer: setting %q: want a whole number, got %T %v; write it as e.g. %q: %d", k, v, v, k, max(floor, 2))
	}
	if int(f) < floor {
		return 0, fmt.Errorf("balancer: setting %q: must be at least %d, got %v", k, floor, f)
	}
	return int(f), nil
}

func floatSetting(k string, v any) (float64, error) {
	f, ok := numberSetting(k, v)
	if !ok {
		return 0, fmt.Errorf("balancer: setting %q: want a number, got %T %v", k, v, v)
	}
	return f, nil
}

func msSetting(k string, v any) (time.Duration, error) {
	f, ok := numberSetting(k, v)
	if !ok {
		return 0, fmt.Errorf("balancer: setting %q: want milliseconds as a number, got %T %v; write it as e.g. %q: 5000", k, v, v, k)
	}
	if f < 0 {
		return 0, fmt.Errorf("balancer: setting %q: must not be negative, got %v (use 0 to turn it off)", k, f)
	}
	return time.Duration(f * float64(time.Millisecond)), nil
}

func boolSetting(k string, v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		if p, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
			return p, nil
		}
	}
	return false, fmt.Errorf("balancer: setting %q: want true or false, got %T %v", k, v, v)
}

func codesSetting(k string, v any) ([]int, error) {
	var items []any
	switch c := v.(type) {
	case []any:
		items = c
	case []int:
		for _, n := range c {
			items = append(items, n)
		}
	case []float64:
		for _, n := range c {
			items = append(items, n)
		}
	case string:
		for _, f := range strings.FieldsFunc(c, func(r rune) bool { return r == ',' || r == ' ' }) {
			items = append(items, f)
		}
	default:
		return nil, fmt.Errorf("balancer: setting %q: want a list of HTTP statuses, e.g. [429, 503], got %T", k, v)
	}
	out := make([]int, 0, len(items))
	for _, it := range items {
		n, err := intSetting(k, it, 100)
		if err != nil || n > 599 {
			return nil, fmt.Errorf("balancer: setting %q: want HTTP statuses between 100 and 599, e.g. [429, 503], got %v", k, it)
		}
		out = append(out, n)
	}
	return out, nil
}
