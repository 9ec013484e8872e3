package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// fullDiskStore is a real SQLite store whose enrollment updates fail as
// on a full disk (sqlite's diskFull error: enroll.ErrDiskFull).
type fullDiskStore struct{ *sqlite.DB }

// UpdateEnrollment fails as a commit on a full disk does.
func (s fullDiskStore) UpdateEnrollment(context.Context, enroll.Actor, string, func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	return nil, fmt.Errorf("sqlite: commit: %w", errors.Join(enroll.Errorf(enroll.EINTERNAL, "The database's disk is full: free space on it."), enroll.ErrDiskFull))
}

// TestStoreFailurePages checks that the console answers a failure of the
// database itself as the API does, with a 503 and Retry-After that say
// what happened, where it showed a 500 "Something went wrong" page (a
// request that broke something, not worth retrying) or, with the
// database down, sent a signed-in person to sign in again, which could
// not help.
func TestStoreFailurePages(t *testing.T) {
	t.Parallel()

	t.Run("disk full", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		full := *f
		c := New(fullDiskStore{f.store}).WithLogger(discard)
		api := enrollhttp.NewServer(enrollhttp.Config{Store: f.store, Logger: discard, Version: "test", Console: c})
		full.srv = httptest.NewServer(api.Handler())
		t.Cleanup(full.srv.Close)
		full.console = c

		e := f.enroll(f.inst, "Suzie", "Homeowner", true)
		cl := full.signedIn(f.secret)
		page := cl.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
		res := cl.post(Prefix+"/enrollments/"+e.ID+"/status", page.decision(enroll.StatusApproved, "Verified"))
		res.status(http.StatusServiceUnavailable).contains("disk is full", "nothing was stored").lacks("Something went wrong")
		if res.Header.Get("Retry-After") == "" {
			t.Error("a write on a full disk: no Retry-After")
		}
	})

	t.Run("database down", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		p, proxied := pgtest.NewProxy(t, pgtest.NewDatabase(t))
		db, err := postgres.Open(ctx, postgres.Config{URL: proxied, Engine: rules.New(), MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		c := New(db).WithLogger(discard)
		api := enrollhttp.NewServer(enrollhttp.Config{Store: db, Logger: discard, Version: "test", Console: c})
		srv := httptest.NewServer(api.Handler())
		t.Cleanup(srv.Close)
		f := &fixture{t: t, ctx: ctx, console: c, srv: srv, skew: new(atomic.Int64)}
		ws := &enroll.Workspace{ID: enroll.NewID(), Name: "acme"}
		key, secret := enroll.NewAPIKey(ws.ID, "admin key", nil, nil, time.Now())
		if err := db.CreateWorkspace(ctx, ws, key); err != nil {
			t.Fatal(err)
		}
		cl := f.signedIn(secret)
		overview := cl.get(Prefix + "/").status(http.StatusOK)

		p.Stop()
		res := cl.noFollow().get(Prefix + "/")
		res.status(http.StatusServiceUnavailable).contains("does not answer").lacks("Something went wrong")
		if res.Header.Get("Retry-After") == "" {
			t.Error("a page with the database down: no Retry-After")
		}
		cl.post(Prefix+"/signout", url.Values{"csrf": {overview.field("csrf")}}).
			status(http.StatusServiceUnavailable).contains("may not have been saved")

		p.Start()
		cl.get(Prefix + "/").status(http.StatusOK)
	})
}
