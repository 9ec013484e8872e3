package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestBackup copies a database while enrollments are being created in
// it: the copy opens, passes IntegrityCheck, and holds every enrollment
// whose create had returned before the backup began, and at most those
// created by its end. A backup never replaces a file, nor creates a
// database that is not there.
func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstanceFixture(t, "backup", "FULL", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive})
	create := func(i int) {
		if _, err := f.db.CreateEnrollment(ctx, f.a, f.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Bea", LastName: fmt.Sprintf("Backup%d", i), Email: fmt.Sprintf("bea%d@example.com", i)}); err != nil {
			t.Error(err)
		}
	}
	const before = 50
	for i := range before {
		create(i)
	}
	// Writes go on while the backup runs.
	var created atomic.Int64
	created.Store(before)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := before; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			create(i)
			created.Add(1)
		}
	})
	dir := t.TempDir()
	out := filepath.Join(dir, "copy.db")
	err := Backup(ctx, f.path, out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}

	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the backup left %d files, want the copy alone", len(entries))
	}

	copied, err := Open(ctx, Config{Path: out, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if err := copied.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	counts, err := copied.CountEnrollments(ctx, f.a.WorkspaceID, f.inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	if n < before || int64(n) > created.Load() {
		t.Errorf("the copy holds %d enrollments, want %d to %d", n, before, created.Load())
	}

	// out exists: refused, and left as it was.
	if err := os.WriteFile(filepath.Join(dir, "taken.db"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, f.path, filepath.Join(dir, "taken.db")); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over a file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "taken.db")); string(b) != "mine" {
		t.Errorf("the file in the way holds %q", b)
	}
	// No database at path: refused, nothing created.
	missing := filepath.Join(dir, "typo.db")
	if err := Backup(ctx, missing, filepath.Join(dir, "x.db")); err == nil {
		t.Error("backup of a missing database succeeded")
	}
	for _, name := range []string{missing, filepath.Join(dir, "x.db")} {
		if _, err := os.Stat(name); err == nil {
			t.Errorf("%s was created", name)
		}
	}
}
