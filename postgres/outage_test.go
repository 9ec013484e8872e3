package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/enrollhq/enroll"
)

// TestOutageKinds: which errors mean that the database could not serve a
// call (enroll.OutageReporter), and which do not.
func TestOutageKinds(t *testing.T) {
	t.Parallel()
	db := openDB(t, newDatabase(t))
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // terminated by an administrator
		{&pgconn.PgError{Code: "57P03"}, true}, // starting up
		{&pgconn.PgError{Code: "08006"}, true}, // connection failure
		{&pgconn.PgError{Code: "53300"}, true}, // too many connections
		{fmt.Errorf("postgres: begin: %w", io.ErrUnexpectedEOF), true},
		{errors.Join(errors.New("x"), &pgconn.PgError{Code: "57P01"}), true},
		{fmt.Errorf("postgres: list: %w", pgconn.ErrConnClosed), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "57014"}, false}, // statement timeout
		{pgx.ErrNoRows, false},
		{enroll.Errorf(enroll.ENOTFOUND, "no"), false},
	} {
		if got := db.Outage(c.err); got != c.want {
			t.Errorf("Outage(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestOutageTerminatedSession: a call on a connection whose session an
// administrator (or a pooler, or a failover) terminated fails with an
// error the store reports as an outage, though the database answers at
// once on a new connection.
func TestOutageTerminatedSession(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for try := 0; ; try++ {
		if _, err := db.CountWorkspaces(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		// At once, before the pool would check the idle connection.
		_, err := db.CountWorkspaces(ctx)
		if err != nil {
			t.Logf("try %d: %v", try, err)
			if !db.Outage(err) {
				t.Fatalf("a terminated session's error is no outage: %v", err)
			}
			return
		}
		if try == 20 {
			t.Fatal("no call failed on a terminated session")
		}
	}
}
