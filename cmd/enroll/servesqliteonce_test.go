package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecondServerOfSQLiteRefused checks that a second `enroll serve` of
// a SQLite file that a server already serves is refused, saying so, and
// that a CLI command (backup) still opens it: both servers used to run,
// each caching instances, keys and counters the other's writes left
// stale, while docs/security.md says that on SQLite there is one server.
func TestSecondServerOfSQLiteRefused(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "one.db")
	startChild(t, db)
	// A second server that starts serves until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, &out
	if err := m.Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "Another enroll serve is using the database") {
		t.Fatalf("a second server of %s: %v\n%s", db, err, out.String())
	}
	if out, err := run(t, "backup", "--db", db, filepath.Join(t.TempDir(), "copy.db")); err != nil {
		t.Fatalf("backup while the server runs: %v\n%s", err, out)
	}
}
