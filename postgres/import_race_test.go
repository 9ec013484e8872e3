package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestImportReferenceRace runs two imports at once into one instance, of
// files that share their referenceIds but not their emails (a list sent
// again with corrected emails while the first still runs). docs/import.md:
// a row whose referenceId an open enrollment of the instance holds is
// skipped, and each referenceId is enrolled once. An import's chunk with
// referenceIds now takes its instance's references lock (referencesLock)
// before its look-ups; before, both chunks' look-ups missed the other's
// uncommitted rows and every referenceId was enrolled twice.
func TestImportReferenceRace(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	a, inst := importInstance(t, db)
	const n = 40
	files := [2]string{}
	for f, prefix := range []string{"first", "second"} {
		var b strings.Builder
		b.WriteString("firstName,lastName,email,referenceId\n")
		for i := range n {
			fmt.Fprintf(&b, "Suzie,Row%d,%s.%d@example.com,REF-%d\n", i, prefix, i, i)
		}
		files[f] = b.String()
	}
	// Hold the COPYs until both chunks are under way.
	lock, watch := connect(t, url), connect(t, url)
	held := must(lock.Begin(ctx))
	must(held.Exec(ctx, `LOCK TABLE enrollments IN SHARE MODE`))
	var (
		wg   sync.WaitGroup
		jobs [2]*enroll.Import
		errs [2]error
	)
	for i := range files {
		wg.Go(func() {
			dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(files[i])))
			im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
			if errs[i] = db.CreateImport(ctx, a, im); errs[i] == nil {
				jobs[i], errs[i] = enroll.RunImport(ctx, db, a, im, dec, 0)
			}
		})
	}
	var waiting int
	for deadline := time.Now().Add(20 * time.Second); waiting < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d COPYs waiting", waiting)
		}
		// Both waiting: on the table lock at their COPY, or (with the
		// referenceIds' locks) the second on the first's locks.
		must(0, watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock'`).Scan(&waiting))
	}
	must(0, held.Rollback(ctx))
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	var rows, refs int
	must(0, watch.QueryRow(ctx, `SELECT count(*), count(DISTINCT reference_id) FROM enrollments
		WHERE status NOT IN ('rejected', 'unenrolled')`).Scan(&rows, &refs))
	if rows != n || jobs[0].CreatedCount+jobs[1].CreatedCount != n || jobs[0].SkippedCount+jobs[1].SkippedCount != n {
		t.Fatalf("%d open enrollments of %d referenceIds; jobs created %d and %d, skipped %d and %d; want %d enrollments, %d skipped",
			rows, refs, jobs[0].CreatedCount, jobs[1].CreatedCount, jobs[0].SkippedCount, jobs[1].SkippedCount, n, n)
	}
}

// TestImportLongUniqueValue imports 20 rows of which one holds a value of
// a unique string parameter of 3,000 characters: that row alone fails, at
// its parameter (a unique value is at most enroll.MaxUniqueValueLength
// bytes). PostgreSQL cannot index it in enrollment_unique_values_pkey
// (B-tree entries stop at 2,704 bytes, SQLSTATE 54000): the whole import
// failed "Internal error" with nothing imported, and again when run again.
func TestImportLongUniqueValue(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	a, inst := importInstance(t, db)
	must(db.UpdateInstance(ctx, a, inst.ID, func(in *enroll.ProgramInstance) error {
		in.Parameters = []enroll.Parameter{{ExternalID: "account", Name: "Account", Type: enroll.ParamString,
			Constraints: enroll.ParameterConstraints{Unique: true}}}
		return nil
	}))
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	long := make([]byte, 3000)
	for i := range long {
		long[i] = letters[r.IntN(len(letters))]
	}
	var file strings.Builder
	file.WriteString("firstName,lastName,email,parameters.account\n")
	for i := range 20 {
		account := fmt.Sprintf("ACC-%d", i)
		if i == 4 {
			account = string(long)
		}
		fmt.Fprintf(&file, "Suzie,Row%d,suzie.%d@example.com,%s\n", i, i, account)
	}
	dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
	im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
	must(0, db.CreateImport(ctx, a, im))
	got, err := enroll.RunImport(ctx, db, a, im, dec, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Logf("RunImport: %v", err)
	}
	if got == nil || got.Status != enroll.ImportSucceeded || got.CreatedCount != 19 || got.FailedRows != 1 {
		t.Fatalf("import = %+v, %v; want 19 created and row 6 failed", got, err)
	}
}
