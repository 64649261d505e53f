package balancer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSettings(t *testing.T) {
	def := DefaultSettings()
	with := func(f func(*Settings)) Settings {
		s := DefaultSettings()
		f(&s)
		return s
	}
	tests := []struct {
		name string
		json string
		want Settings
	}{
		{"empty", `{}`, def},
		{"recipe profile", `{"context-limit": 200000, "lb": {"type": "failover", "buckets": []}}`,
			with(func(s *Settings) { s.ContextLimit = 200000 })},
		{"llxprt keys", `{"failover_retry_count": 3, "failover_retry_delay_ms": 250, "failover_on_network_errors": false,
			"failover_status_codes": [429, 503], "timeout_ms": 5000, "tpm_threshold": 90000, "circuit_breaker_enabled": false,
			"circuit_breaker_failure_threshold": 5, "circuit_breaker_failure_window_ms": 10000, "circuit_breaker_recovery_timeout_ms": 2000}`,
			with(func(s *Settings) {
				s.RetryCount, s.RetryDelay, s.FailoverOnNetworkErrors = 3, 250*time.Millisecond, false
				s.FailoverStatusCodes, s.FirstTokenTimeout, s.TPMThreshold = []int{429, 503}, 5*time.Second, 90000
				s.CircuitBreakerEnabled, s.CircuitBreakerFailureThreshold = false, 5
				s.CircuitBreakerFailureWindow, s.CircuitBreakerRecoveryTimeout = 10*time.Second, 2*time.Second
			})},
		{"first_token_timeout_ms wins over timeout_ms", `{"timeout_ms": 5000, "lb": {"first_token_timeout_ms": 3000}}`,
			with(func(s *Settings) { s.FirstTokenTimeout = 3 * time.Second })},
		{"new keys, hyphens, strings as /set stores them", `{"idle-timeout-ms": "1500", "request_timeout_ms": 60000, "hedge_after_ms": 800,
			"circuit_breaker_enabled": "true", "failover_status_codes": "429, 529", "rate_limit_cooldown_ms": 1000, "max_wait_ms": 0, "latency_exploration": 0.2}`,
			with(func(s *Settings) {
				s.IdleTimeout, s.RequestTimeout, s.HedgeAfter = 1500*time.Millisecond, time.Minute, 800*time.Millisecond
				s.FailoverStatusCodes, s.RateLimitCooldown, s.MaxWait, s.LatencyExploration = []int{429, 529}, time.Second, 0, 0.2
			})},
		{"lb object wins", `{"failover_retry_count": 3, "lb": {"failover_retry_count": 1}}`,
			with(func(s *Settings) { s.RetryCount = 1 })},
		{"unknown keys are ignored", `{"socket-timeout": 1000, "streaming": "enabled", "lb": {"buckets": [{"provider": "x"}]}}`, def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.json), &m); err != nil {
				t.Fatal(err)
			}
			got, err := ParseSettings(m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSettingsErrors(t *testing.T) {
	tests := []struct {
		json string
		want string
	}{
		{`{"failover_retry_count": "two"}`, `"failover_retry_count": want a whole number`},
		{`{"failover_retry_count": 0}`, `must be at least 1`},
		{`{"failover_retry_count": 1.5}`, `want a whole number`},
		{`{"timeout_ms": true}`, `"timeout_ms": want milliseconds as a number`},
		{`{"hedge_after_ms": -1}`, `must not be negative`},
		{`{"circuit_breaker_enabled": "sometimes"}`, `want true or false`},
		{`{"failover_status_codes": 503}`, `want a list of HTTP statuses`},
		{`{"failover_status_codes": [429, 999]}`, `between 100 and 599`},
		{`{"lb": {"tpm_threshold": [1]}}`, `"tpm_threshold"`},
		{`{"latency_exploration": 2}`, `between 0 and 1`},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.json), &m); err != nil {
				t.Fatal(err)
			}
			_, err := ParseSettings(m)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "balancer: ") {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
