package http_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	const rate = 2 // a token every 500 ms: slow enough for -race
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.RateLimit, c.RateBurst = rate, 2 })
	// Made in the store, so that making it spends no token.
	otherKey, other := enroll.NewAPIKey(e.wsID, "other", []enroll.Scope{enroll.ScopeProgramsRead}, nil, time.Now())
	if err := e.store.CreateAPIKey(context.Background(), enroll.Actor{WorkspaceID: e.wsID}, otherKey); err != nil {
		t.Fatal(err)
	}

	first := e.do("GET", "/v1/programs", nil).expect(200)
	if first.Header.Get("RateLimit-Limit") != "2" || first.Header.Get("RateLimit-Remaining") != "1" || first.Header.Get("RateLimit-Reset") == "" {
		t.Errorf("headers = %v", first.Header)
	}
	e.do("GET", "/v1/programs", nil).expect(200)
	r := e.do("GET", "/v1/programs", nil).expect(429)
	r.problem()
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	if r.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("RateLimit-Remaining = %q", r.Header.Get("RateLimit-Remaining"))
	}

	t.Run("per key", func(t *testing.T) {
		e.do("GET", "/v1/programs", nil, withKey(other)).expect(200)
	})
	t.Run("unauthenticated operations are not limited", func(t *testing.T) {
		for range 5 {
			e.do("GET", "/healthz", nil, withKey("")).expect(200)
		}
	})
	t.Run("the bucket refills", func(t *testing.T) {
		time.Sleep(time.Second / rate)
		e.do("GET", "/v1/programs", nil).expect(200)
	})
	t.Run("counted in metrics", func(t *testing.T) {
		body := string(e.do("GET", "/metrics", nil, withKey("")).expect(200).Body)
		if !strings.Contains(body, `route="/v1/programs",status="429"`) {
			t.Error("no 429 in the metrics")
		}
	})
}

func TestRateLimit_OffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 30 {
		r := e.do("GET", "/v1/programs", nil).expect(200)
		if r.Header.Get("RateLimit-Limit") != "" {
			t.Fatal("rate limit headers without a limit")
		}
	}
}
