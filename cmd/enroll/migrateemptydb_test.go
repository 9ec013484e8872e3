package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestMigrateEmptyDB: enroll migrate with an empty --db (ENROLL_DB= set
// by mistake) is refused at once, as serve refuses it, rather than
// migrate a temporary database that vanishes, leave a ".lock" file in
// the current directory and fail seconds later with "attempt to write a
// readonly database": the error is the check of the path, before the
// lock, and no migration is applied or listed.
func TestMigrateEmptyDB(t *testing.T) {
	t.Parallel()
	_, statErr := os.Stat(".lock")
	hadLock := statErr == nil
	out, err := run(t, "migrate", "--db", "")
	if !hadLock {
		_, statErr := os.Stat(".lock")
		os.Remove(".lock")
		if !errors.Is(statErr, fs.ErrNotExist) {
			t.Errorf("migrate --db \"\" left a .lock file in the current directory")
		}
	}
	if err == nil || err.Error() != "sqlite: empty database path" || strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("migrate --db \"\": %v, want the empty path refused before any migration; output:\n%s", err, out)
	}
}
