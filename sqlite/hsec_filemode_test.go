package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestNewDatabaseFileIsPrivate checks that a database file the store
// creates, and its WAL and shared-memory files, are readable by their
// owner alone, whatever the umask: they hold participants' data and,
// unless sealed, the webhook signing secrets (docs/security.md), which
// the umask's usual 0644 showed to every user of the machine. A file
// that exists keeps the mode its operator gave it.
func TestNewDatabaseFileIsPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	path := filepath.Join(dir, "new.db")
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "acme"}
	key, _ := enroll.NewAPIKey(ws.ID, "k", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v, want no access for group and others", filepath.Base(name), fi.Mode().Perm())
		}
	}
	db.Close()

	// An existing file (made by its operator for a group) keeps its mode.
	shared := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(shared, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o640); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, sqlite.Config{Path: shared, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(shared)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("existing file: mode %v, want its 0640 kept", fi.Mode().Perm())
	}
}
