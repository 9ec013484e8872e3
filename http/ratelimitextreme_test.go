package http_test

import (
	"strconv"
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
)

// TestRateLimitExtremeRates: serve takes any positive --rate-limit, and
// --rate-burst 0 means twice the rate. A rate too high to matter must
// not refuse every request (twice 1e19 overflowed the burst to a
// negative number: every request a 429 with RateLimit-Limit
// -9223372036854775808), and one too low must not tell a refused client
// to come back in a second (the wait overflowed to a negative duration).
func TestRateLimitExtremeRates(t *testing.T) {
	t.Parallel()
	t.Run("high", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, func(c *enrollhttp.Config) { c.RateLimit, c.RateBurst = 1e19, 0 })
		r := e.do("GET", "/v1/programs", nil)
		if r.Status != 200 {
			t.Fatalf("status %d with a rate of 1e19/s, RateLimit-Limit %q: %s", r.Status, r.Header.Get("RateLimit-Limit"), r.Body)
		}
		if n, err := strconv.Atoi(r.Header.Get("RateLimit-Limit")); err != nil || n < 1 {
			t.Errorf("RateLimit-Limit %q", r.Header.Get("RateLimit-Limit"))
		}
	})
	t.Run("low", func(t *testing.T) {
		t.Parallel()
		e := newEnvWith(t, func(c *enrollhttp.Config) { c.RateLimit, c.RateBurst = 1e-12, 1 })
		e.do("GET", "/v1/programs", nil).expect(200)
		r := e.do("GET", "/v1/programs", nil).expect(429)
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 3600 {
			t.Fatalf("Retry-After %q for a rate of one request in 31,000 years", r.Header.Get("Retry-After"))
		}
	})
}
