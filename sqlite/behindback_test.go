package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// openBehindBack opens a store on a new file and returns it with exec,
// which runs a statement on the file behind the store's back (failing t
// on error), for the conformance checks of data written as the store
// once did. The store's integrity is checked when t ends.
func openBehindBack(t *testing.T) (*sqlite.DB, func(query string, args ...any)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "e.db")
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		raw.Close()
		if err := db.IntegrityCheck(context.Background()); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return db, func(query string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(query, args...); err != nil {
			t.Fatal(err)
		}
	}
}
