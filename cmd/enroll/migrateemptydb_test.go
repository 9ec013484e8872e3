package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMigrateEmptyDB: enroll migrate with an empty --db (ENROLL_DB= set
// by mistake) is refused at once, as serve refuses it, rather than
// migrate a temporary database that vanishes, leave a ".lock" file in
// the current directory and fail seconds later with "attempt to write a
// readonly database".
func TestMigrateEmptyDB(t *testing.T) {
	t.Parallel()
	_, statErr := os.Stat(".lock")
	hadLock := statErr == nil
	start := time.Now()
	out, err := run(t, "migrate", "--db", "")
	took := time.Since(start)
	if !hadLock {
		_, statErr := os.Stat(".lock")
		os.Remove(".lock")
		if !errors.Is(statErr, fs.ErrNotExist) {
			t.Errorf("migrate --db \"\" left a .lock file in the current directory")
		}
	}
	if err == nil || !strings.Contains(err.Error(), "empty database path") {
		t.Fatalf("migrate --db \"\": %v (after %v), want the empty path refused; output:\n%s", err, took, out)
	}
	if took > time.Second {
		t.Errorf("migrate --db \"\" took %v to be refused", took)
	}
}
