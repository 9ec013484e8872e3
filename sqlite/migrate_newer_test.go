package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestMigrateRefusesNewerSchema opens a database that a newer release
// migrated further (a version past this release's last migration): it is
// refused, saying why, rather than written by code that skips what the
// newer migrations added (a release before migration 26 opened such a
// file after a rollback and never counted the labels it wrote).
func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New()}); err == nil || !strings.Contains(err.Error(), "newer release") {
		t.Fatalf("a database of schema 9999 opened: %v", err)
	}
	if _, err := sqlite.Migrate(ctx, path); err == nil || !strings.Contains(err.Error(), "newer release") {
		t.Fatalf("enroll migrate took a database of schema 9999: %v", err)
	}
}
