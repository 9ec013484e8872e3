package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestBackupCommand copies the database of a running server, whose copy
// opens with the same workspace and key; a second backup to the same file,
// a database that is not there and a PostgreSQL URL are refused.
func TestBackupCommand(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	out := filepath.Join(t.TempDir(), "copy.db")
	if got, err := run(t, "backup", "--db", s.m.Config.DB, out); err != nil || !strings.Contains(got, "Copied") {
		t.Fatalf("backup: %v\n%s", err, got)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: out, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ws, err := db.FindWorkspace(ctx, "default"); err != nil || ws.ID != s.actor.WorkspaceID {
		t.Fatalf("the copy's workspace: %v, %v", ws, err)
	}
	if _, err := db.FindInstance(ctx, s.actor.WorkspaceID, s.instance); err != nil {
		t.Fatalf("the copy's instance: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--db", s.m.Config.DB, out}, "exists"},
		{[]string{"backup", "--db", filepath.Join(t.TempDir(), "typo.db"), filepath.Join(t.TempDir(), "x.db")}, "no database at"},
		{[]string{"backup", "--db", "postgres://127.0.0.1/enroll", filepath.Join(t.TempDir(), "x.db")}, "pg_dump"},
	} {
		if got, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q\n%s", c.args, err, c.want, got)
		}
	}
}
