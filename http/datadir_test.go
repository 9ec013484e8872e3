package http_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestOpenChecksDataDir: a server whose import data directory cannot be
// made or written refuses to start, rather than failing every upload
// with a 500; a directory it can make is made.
func TestOpenChecksDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(dir, "e.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dataDir string
		ok      bool
	}{
		{file, false},
		{filepath.Join(file, "sub"), false},
		{filepath.Join(dir, "new", "imports"), true},
	} {
		srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: db, DataDir: c.dataDir,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		err := srv.Open()
		if c.ok {
			if err != nil {
				t.Fatalf("Open with %s: %v", c.dataDir, err)
			}
			_ = srv.Close()
			if fi, err := os.Stat(c.dataDir); err != nil || !fi.IsDir() {
				t.Errorf("%s was not made: %v", c.dataDir, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "import data directory "+c.dataDir) {
			t.Errorf("Open with %s: %v", c.dataDir, err)
			_ = srv.Close()
		}
	}
}

// TestDefaultDataDirIsShared: with no --data-dir, uploads wait in the
// system's temporary directory itself, where every user may create files
// that others cannot touch, not in a fixed directory under it, which the
// first user to run the server (or anyone, first) owned, and which
// stopped every other user's server from starting. Not parallel: it sets
// TMPDIR.
func TestDefaultDataDirIsShared(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// What another user's directory is to this one: nothing it can use.
	if err := os.WriteFile(filepath.Join(tmp, "enroll-imports"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := enrollhttp.CheckDataDir(""); err != nil {
		t.Fatalf("CheckDataDir(\"\"): %v", err)
	}
}
