package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// onCrashStores runs test, in parallel subtests, on each database the
// crash tests kill a server over: a SQLite file, and a PostgreSQL
// database of the test's own.
func onCrashStores(t *testing.T, test func(t *testing.T, store, db string)) {
	for _, s := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() + "/crash.db" }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			test(t, s.name, s.db(t))
		})
	}
}

// checkAfterCrash opens the database a killed server left (db: a SQLite
// path or a postgres:// URL) and checks it as the store sees it: its
// IntegrityCheck passes, and no idempotency record is left short of
// completed, since every interrupted request was finished by its retry.
func checkAfterCrash(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	var (
		store interface {
			IntegrityCheck(context.Context) error
			Close() error
		}
		hanging func() (int, error)
	)
	if strings.HasPrefix(db, "postgres://") {
		s, err := postgres.Open(ctx, postgres.Config{URL: db, Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		store = s
		hanging = func() (n int, err error) {
			conn, err := pgx.Connect(ctx, db)
			if err != nil {
				return 0, err
			}
			defer conn.Close(ctx)
			err = conn.QueryRow(ctx, `SELECT COUNT(*) FROM idempotency_keys WHERE state <> 'completed'`).Scan(&n)
			return n, err
		}
	} else {
		s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		store = s
		hanging = func() (n int, err error) {
			raw, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
			if err != nil {
				return 0, err
			}
			defer raw.Close()
			err = raw.QueryRow(`SELECT COUNT(*) FROM idempotency_keys WHERE state <> 'completed'`).Scan(&n)
			return n, err
		}
	}
	defer store.Close()
	if err := store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := hanging()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d idempotency records are not completed", n)
	}
}
