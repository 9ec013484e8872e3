package http_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
)

// TestDatabaseDownAnswers503 cuts a PostgreSQL-backed server off from its
// database (a restart, a failover, max_connections reached: the pool can
// neither keep nor dial a connection), as /readyz then reports with a
// 503, and sends a create: it answered 500 "Internal error", which says
// the request itself broke something, carries no Retry-After, and which
// client.IsTransient (and so `enroll import`'s progress polls) does not
// retry. While the database does not answer, a request that needed it
// should get what /readyz gets: 503, with Retry-After. Once the database
// is back, the same request (same Idempotency-Key) succeeds, with no
// restart.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Parallel()
	e, p := newEnvBehindProxy(t)
	inst := e.createInstance(nil)
	// A key used once is cached, so the outage is met by the create itself.
	e.do("GET", "/v1/programInstances/"+inst, nil).expect(200)

	p.Stop()
	e.do("GET", "/readyz", nil).expect(http.StatusServiceUnavailable)
	body := customerInfo(nil)
	r := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body, withHeader("Idempotency-Key", "down-1"))
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" ||
		r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("create with the database down: %d, Retry-After %q, %s: %s; want a 503 problem with Retry-After",
			r.Status, r.Header.Get("Retry-After"), r.Header.Get("Content-Type"), r.Body)
	}

	p.Start()
	e.do("GET", "/readyz", nil).expect(200)
	e.do("POST", "/v1/programInstances/"+inst+"/enrollments", body, withHeader("Idempotency-Key", "down-1")).expect(201)
}

// newEnvBehindProxy starts a server on a PostgreSQL database that it
// reaches through a pgtest.Proxy, which the test may stop and start.
func newEnvBehindProxy(t *testing.T) (*env, *pgtest.Proxy) {
	t.Helper()
	pgURL := pgtest.NewDatabase(t)
	p, proxied := pgtest.NewProxy(t, pgURL)
	db, err := postgres.Open(context.Background(), postgres.Config{URL: proxied, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: db, Version: "test",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := &env{t: t, srv: srv, store: db, url: srv.URL(), pgURL: pgURL}
	e.wsID, e.keyID, e.secret = e.newWorkspace()
	return e, p
}
