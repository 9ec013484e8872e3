package http_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
)

// newReplicas starts two servers, each with its own store, on one new
// PostgreSQL database, as two `enroll serve` replicas run; the second
// shares the first's workspace and key. It needs PostgreSQL whatever
// ENROLL_TEST_STORE says (pgtest skips without it, but fails in CI).
func newReplicas(t *testing.T, configure func(*enrollhttp.Config)) (*env, *env) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	var envs [2]*env
	for i := range envs {
		db, err := postgres.Open(context.Background(), postgres.Config{URL: url, Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		cfg := enrollhttp.Config{Addr: "127.0.0.1:0", Store: db, Version: "test",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if configure != nil {
			configure(&cfg)
		}
		srv := enrollhttp.NewServer(cfg)
		if err := srv.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := srv.Close(); err != nil {
				t.Errorf("close server: %v", err)
			}
		})
		envs[i] = &env{t: t, srv: srv, store: db, url: srv.URL()}
	}
	a, b := envs[0], envs[1]
	a.wsID, a.keyID, a.secret = a.newWorkspace()
	b.wsID, b.keyID, b.secret = a.wsID, a.keyID, a.secret
	return a, b
}

var sharedRequests = regexp.MustCompile(`(?m)^enroll_rate_limit_shared_requests_total (\S+)$`)

// waitWatching waits until e's server hears the other replicas' changes
// of a kind (its enroll_watch_up metric): what one publishes before the
// other listens is not heard, and a loaded machine can take longer to
// listen than a test to publish.
func (e *env) waitWatching(watch string) {
	up := regexp.MustCompile(`(?m)^enroll_watch_up\{watch="` + watch + `"\} 1$`)
	for deadline := time.Now().Add(15 * time.Second); !up.Match(e.do("GET", "/metrics", nil, withKey("")).expect(200).Body); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not watching %s within 15 s", e.url, watch)
		}
	}
}

// waitShared waits until e's server has spent at least n requests of other
// replicas from its buckets, as its metrics say.
func (e *env) waitShared(n int) {
	e.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		m := sharedRequests.FindSubmatch(e.do("GET", "/metrics", nil, withKey("")).expect(200).Body)
		if m != nil {
			if got, _ := strconv.ParseFloat(string(m[1]), 64); got >= float64(n) {
				return
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d requests of the other replica not shared within 15 s (metric: %q)", e.url, n, m)
		}
	}
}

// TestRateLimit_SharedByReplicas checks that a key's rate limit holds for
// two replicas together: what one admits is spent from the other's bucket.
// The rate refills a token every 100 s, so the test sees bursts only.
func TestRateLimit_SharedByReplicas(t *testing.T) {
	t.Parallel()
	a, b := newReplicas(t, func(c *enrollhttp.Config) { c.RateLimit, c.RateBurst = 0.01, 10 })
	a.waitWatching("rate_limit_usage")
	b.waitWatching("rate_limit_usage")
	for range 6 {
		a.do("GET", "/v1/programs", nil).expect(200)
	}
	b.waitShared(6)
	for i := range 4 {
		if r := b.do("GET", "/v1/programs", nil).expect(200); r.Header.Get("RateLimit-Remaining") != strconv.Itoa(3-i) {
			t.Errorf("RateLimit-Remaining %q after %d requests of 10, want %d", r.Header.Get("RateLimit-Remaining"), 7+i, 3-i)
		}
	}
	b.do("GET", "/v1/programs", nil).expect(429)
	a.waitShared(4)
	a.do("GET", "/v1/programs", nil).expect(429)
}
