package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/jackc/pgx/v5"
)

// openBehindBack opens a store on a new database and returns it with
// exec, which runs a statement on the database behind the store's back
// (failing t on error), for the conformance checks of data written as
// the store once did.
func openBehindBack(t *testing.T) (*postgres.DB, func(query string, args ...any)) {
	t.Helper()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return db, func(query string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			t.Fatal(err)
		}
	}
}
