package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database at path to out, a file
// that must not exist, while servers may go on reading and writing it:
// VACUUM INTO copies one read transaction's snapshot, so the copy holds
// every transaction committed before it began and none after, and needs no
// -wal file beside it. Copying the database file by hand while a server
// runs may miss what its WAL still holds, or catch a checkpoint half done.
// The copy is written to a temporary file beside out, synced, then linked
// as out, so a backup cut short leaves no file that looks complete. The
// database is neither created nor migrated: a backup of a release's
// database opens as that release's.
func Backup(ctx context.Context, path, out string) error {
	if out == "" {
		return errors.New("sqlite: backup: no file to write the copy to")
	}
	src, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists: give a new file", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		// Of out, which the caller named: the temporary file's name would
		// mean nothing to them.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: "create", Path: out, Err: pe.Err}
		}
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(tmpName)
		}
	}()
	// VACUUM INTO writes into an empty file as it finds it, so the copy
	// is never more readable than the database (a file it made would take
	// the umask's mode, 0644 for a database of 0600).
	if err := errors.Join(tmp.Chmod(src.Mode().Perm()|0o600), tmp.Close()); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	// Not query_only, which refuses VACUUM INTO; it reads the database and
	// writes only the copy.
	db, err := sql.Open("sqlite", dsn(path, "FULL", "deferred", false))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	// Writable by its owner while written (a backup of a read-only
	// database too), the copy then takes the database's mode exactly.
	if err := os.Chmod(tmpName, src.Mode().Perm()); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	// A link, unlike a rename, never replaces a file made at out meanwhile.
	if err := os.Link(tmpName, out); errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sqlite: backup: %s exists: give a new file", out)
	} else if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	done = true
	_ = os.Remove(tmpName)
	// The link is durable once the directory is.
	if err := syncFile(filepath.Dir(out)); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// syncFile flushes the file or directory at name to stable storage.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
