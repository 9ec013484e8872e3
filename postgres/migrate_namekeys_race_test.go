package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/enrollhq/enroll/namekey"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/storetest"
)

// TestRekeyNamesRace: a replica of the release before migration 19 that
// renames an enrollment while the migration reads it must not have its
// new name keyed as the old one. The rename holds its row lock until the
// migration waits on it, then commits.
func TestRekeyNamesRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	storetest.EnrollNamed(t, openDB(t, url), "Jörg", "Müller")
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Keyed as the release before keyed it.
	if _, err := conn.Exec(ctx, `UPDATE enrollments SET last_name = lower(doc->>'lastName'), first_name = lower(doc->>'firstName')`); err != nil {
		t.Fatal(err)
	}
	rename, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rename.Rollback(ctx)
	if _, err := rename.Exec(ctx, `UPDATE enrollments SET doc = jsonb_set(doc, '{lastName}', '"Zoë"'), last_name = 'zoë'`); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	done := make(chan error, 1)
	go func() { done <- postgres.RekeyNames(ctx, tx, namekey.Of) }()
	waitUntilBlocked(t, url, done, "the rename's lock")
	if err := rename.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var name, key string
	if err := conn.QueryRow(ctx, `SELECT doc->>'lastName', last_name FROM enrollments`).Scan(&name, &key); err != nil {
		t.Fatal(err)
	}
	if key != namekey.Of(name) {
		t.Fatalf("%q is keyed %q, want %q", name, key, namekey.Of(name))
	}
}
