package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestBackupPathURICharacters copies databases whose file names hold
// '#', '?' or '%'. dsn's "file:" name is a URI to SQLite, and with the
// path as it stood, Open and Backup opened another, empty database (the
// name cut at '#' or '?', or %-decoded), made it, and Backup copied that
// one and reported success.
func TestBackupPathURICharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstanceFixture(t, "hashsource", "FULL", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive})
	if _, err := f.db.CreateEnrollment(ctx, f.a, f.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Bea", LastName: "Hash", Email: "bea@example.com"}); err != nil {
		t.Fatal(err)
	}
	for sub, name := range map[string]string{"hash": "prod#1.db", "question": "prod?x=1.db", "percent": "prod%41.db"} {
		// The subtest's name, which its TempDir holds, without them.
		t.Run(sub, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, name)
			// A database file with the name, holding the enrollment (the
			// backup's target name is not read as a URI).
			if err := Backup(ctx, f.path, src); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "copy.db")
			if err := Backup(ctx, src, out); err != nil {
				t.Fatal(err)
			}
			copied, err := Open(ctx, Config{Path: out, Engine: rules.New()})
			if err != nil {
				t.Fatal(err)
			}
			defer copied.Close()
			counts, err := copied.CountEnrollments(ctx, f.a.WorkspaceID, f.inst.ID)
			n := 0
			for _, c := range counts {
				n += c
			}
			if err != nil || n != 1 {
				entries, _ := os.ReadDir(dir)
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the backup of %s holds %d enrollments (%v), want 1; the directory holds %v", name, n, err, names)
			}
		})
	}
}

// TestBackupKeepsPermissions copies a database its operator made
// readable by its owner alone (0600: it holds participants' contact data,
// console sessions, unsubscribe tokens and, without --secrets-key,
// webhook signing secrets): the copy must not be readable by others, as
// it was when VACUUM INTO made the file with the umask's mode.
func TestBackupKeepsPermissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstanceFixture(t, "permsource", "FULL", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive})
	if err := os.Chmod(f.path, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(ctx, f.path, out); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("the copy of a 0600 database has mode %v: readable by others", st.Mode().Perm())
	}
}

// TestBackupOfReadOnlyDatabase backs up a database its owner made
// read-only (0400: an archived copy, a backup kept read-only): the copy is
// written while writable by its owner, then takes the database's mode.
// Given the database's mode before VACUUM INTO, it could not be written.
// Root ignores modes: run as another user (go test -c, then runuser -u
// nobody) to see it refused.
func TestBackupOfReadOnlyDatabase(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root writes any file whatever its mode: run the test binary as another user")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "archived.db")
	db, err := Open(ctx, Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, path, filepath.Join(dir, "copy.db")); err != nil {
		t.Errorf("a read-only (0400) database cannot be backed up: %v", err)
	}
}

// TestOpenPathWithLeadingSlashes opens //tmp/.../a.db, the file
// /tmp/.../a.db to the system, which dsn's "file:" URI read as an
// authority: refused with "invalid uri authority: tmp".
func TestOpenPathWithLeadingSlashes(t *testing.T) {
	t.Parallel()
	path := "/" + t.TempDir() + "/a.db"
	db, err := Open(context.Background(), Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	db.Close()
}
