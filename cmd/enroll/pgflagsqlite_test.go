package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServePGFlagsOnSQLiteRefused checks that serve refuses a PostgreSQL
// pool setting given for a SQLite database, naming it, before it creates
// the file: it was accepted and had no effect, so an operator who meant
// --db postgres://... and mistyped it ran on a new SQLite file believing
// the pool tuned.
func TestServePGFlagsOnSQLiteRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		set  func(*Config)
		flag string
	}{
		{func(c *Config) { c.PGMaxConns = 8 }, "--pg-max-conns"},
		{func(c *Config) { c.PGStatementTimeout = time.Minute }, "--pg-statement-timeout"},
		{func(c *Config) { c.PGImportWriters = 2 }, "--pg-import-writers"},
	} {
		db := filepath.Join(t.TempDir(), "never.db")
		cfg := NewMain().Config
		cfg.DB, cfg.Addr = db, "127.0.0.1:0"
		c.set(&cfg)
		err := cfg.checkServe()
		if err == nil || !strings.HasPrefix(err.Error(), c.flag) || !strings.Contains(err.Error(), "PostgreSQL") {
			t.Errorf("%s on SQLite: %v, want it refused, naming it", c.flag, err)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("%s on SQLite: the database was created", c.flag)
		}
		cfg.DB = "postgres://127.0.0.1/enroll"
		if err := cfg.checkServe(); err != nil {
			t.Errorf("%s on PostgreSQL: %v", c.flag, err)
		}
	}
}
