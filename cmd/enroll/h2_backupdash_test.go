package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestBackupToDashRefused: FILE "-", which import and export read as
// standard input or output, is refused by backup, which writes a
// database file and cannot stream it: it made a file named "-" in the
// current directory and printed "Copied ... to -." on standard output,
// into whatever `enroll backup - | gzip > b.gz` piped it to.
func TestBackupToDashRefused(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	_, existed := os.Lstat("-")
	got, err := run(t, "backup", "--db", db, "-")
	if _, made := os.Lstat("-"); made == nil && errors.Is(existed, fs.ErrNotExist) {
		os.Remove("-")
		t.Errorf("backup to - made a file named -")
	}
	if err == nil || !strings.Contains(err.Error(), "standard output") {
		t.Errorf("backup to -: %v, want it refused, saying it cannot write to standard output\n%s", err, got)
	}
}
