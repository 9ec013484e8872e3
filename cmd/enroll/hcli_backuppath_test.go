package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupPathErrors: a backup that cannot be written says so of the
// FILE the user gave: a FILE in a directory that does not exist was
// reported as "open /nonexist/.copy.db.123.tmp", the temporary file
// written beside it, and an empty FILE ("$OUT" with OUT unset) as "link
// ./...123.tmp : no such file or directory".
func TestBackupPathErrors(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	missing := filepath.Join(t.TempDir(), "nonexist", "copy.db")
	for _, c := range []struct {
		out, want string
	}{
		{missing, missing},
		{"", "FILE is empty"},
	} {
		got, err := run(t, "backup", "--db", db, c.out)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("backup to %q: %v, want an error naming %q and no temporary file\n%s", c.out, err, c.want, got)
		}
	}
}
