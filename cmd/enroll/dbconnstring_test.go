package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestDBConnectionStringRefused: a --db written as PostgreSQL's key=value
// connection string (host=db.internal dbname=enroll ...), which pgx and
// psql take but enroll does not (SPEC §9: a postgres:// URL selects
// PostgreSQL), is refused before anything is opened, as is a postgres URL
// whose scheme is in capitals. Taken as a SQLite path, it made a new
// SQLite file of that name and served from it: each replica given the
// same ENROLL_DB its own database, the operator believing them on
// PostgreSQL.
func TestDBConnectionStringRefused(t *testing.T) {
	t.Parallel()
	kv := "host=127.0.0.1 dbname=enroll_" + enroll.NewID() + " sslmode=disable"
	t.Cleanup(func() {
		files, _ := filepath.Glob(kv + "*")
		for _, f := range files {
			os.Remove(f)
		}
	})
	for _, args := range [][]string{
		{"migrate", "--db", kv},
		{"serve", "--db", kv, "--addr", "127.0.0.1:0"},
		{"serve", "--db", "POSTGRES://postgres@127.0.0.1:5432/enroll", "--addr", "127.0.0.1:0"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		m := NewMain()
		var out strings.Builder
		m.Stdout, m.Stderr = &out, &out
		err := m.Run(ctx, args)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("%q: %v, want the --db refused for a postgres:// URL; output:\n%s", args, err, out.String())
		}
		if _, err := os.Stat(kv); err == nil {
			t.Errorf("%q made a SQLite file named %q", args, kv)
		}
	}
}
