package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// betweenParts makes fn, a write, wait for the writer once the first
// part of the next batch is written, so that the batch's transaction ends
// there and fn commits before the rest of the batch is written.
func (s *importBench) betweenParts(t *testing.T, fn func() error) <-chan error {
	t.Helper()
	s.db.importContended.Store(time.Now().UnixNano())
	waited := make(chan error, 1)
	s.db.afterImportPart = func() {
		s.db.afterImportPart = nil
		go func() { waited <- fn() }()
		for !s.db.group.waiting() {
			time.Sleep(time.Millisecond)
		}
	}
	return waited
}

// TestImportPartsSeeWritesBetween checks that the parts of a batch
// written after other writes committed between them see those writes,
// whether the batch was planned ahead (before they were made) or not: a
// create of a later row's email between two parts makes that row skipped,
// not a second enrollment; and that the job's counters and its errors'
// row numbers are those of one transaction.
func TestImportPartsSeeWritesBetween(t *testing.T) {
	t.Parallel()
	for _, prepared := range []bool{false, true} {
		name := "written"
		if prepared {
			name = "planned ahead"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newImportBench(t, "OFF")
			ctx := context.Background()
			im := &enroll.Import{ProgramInstanceID: s.inst.ID, Format: enroll.FormatCSV}
			if err := s.db.CreateImport(ctx, s.a, im); err != nil {
				t.Fatal(err)
			}
			rows := s.rows(t, 600)
			rows[450].Create.Email = "not an email" // fails, in the second part
			s.db.importContended.Store(time.Now().UnixNano())
			var prep *enroll.PreparedImport
			if prepared {
				var err error
				if prep, err = s.db.PrepareImport(ctx, s.a, im.ID, rows); err != nil || prep.Part != importPart {
					t.Fatalf("prepared = %+v, %v", prep, err)
				}
			}
			waited := s.betweenParts(t, func() error {
				_, err := s.db.CreateEnrollment(ctx, s.a, s.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "Suzie", LastName: "Early", Email: "Suzie.400@example.com"})
				return err
			})
			done, err := s.db.ImportPrepared(ctx, s.a, im.ID, rows, prep)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-waited; err != nil {
				t.Fatal(err)
			}
			if done.ProcessedRows != 600 || done.CreatedCount != 598 || done.SkippedCount != 1 || done.FailedRows != 1 ||
				done.ErrorCount != 1 || len(done.Errors) != 1 || done.Errors[0].Row != rows[450].Row {
				t.Errorf("job = %+v", done)
			}
			var n, dup int
			if err := s.db.r.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE email_norm = 'suzie.400@example.com')
				FROM enrollments WHERE instance_id = ?`, s.inst.ID).Scan(&n, &dup); err != nil {
				t.Fatal(err)
			}
			if n != 599 || dup != 1 {
				t.Errorf("%d enrollments, %d of suzie.400, want 599 and 1", n, dup)
			}
			page, err := s.db.ListImportErrors(ctx, s.a.WorkspaceID, im.ID, enroll.ListParams{PerPage: 10})
			if err != nil || len(page.Data) != 1 || page.Data[0].Row != rows[450].Row || page.TotalItems != 1 {
				t.Errorf("errors = %+v, %v", page, err)
			}
		})
	}
}

// TestImportPartsStopped checks that a batch whose later part cannot be
// written (the instance closed between two parts) leaves the job counting
// exactly the rows that committed, fails it, and that running the file
// again once the instance is open completes it as one clean run would.
func TestImportPartsStopped(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "OFF")
	ctx := context.Background()
	setStatus := func(st enroll.InstanceStatus) error {
		_, err := s.db.UpdateInstance(ctx, s.a, s.inst.ID, func(in *enroll.ProgramInstance) error {
			in.Status = st
			return nil
		})
		return err
	}
	waited := s.betweenParts(t, func() error { return setStatus(enroll.InstanceInactive) })
	done, err := s.runErr(t, importCSV(0, 600), false, 1000)
	if enroll.ErrorCode(err) != enroll.ECONFLICT {
		t.Fatalf("import: %v", err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if done.Status != enroll.ImportFailed || done.ProcessedRows != importPart || done.CreatedCount != importPart {
		t.Errorf("job = %+v", done)
	}
	if n, _, _ := s.count(t); n != importPart {
		t.Errorf("%d enrollments, want %d", n, importPart)
	}
	if err := setStatus(enroll.InstanceActive); err != nil {
		t.Fatal(err)
	}
	again := s.run(t, importCSV(0, 600), false, 1000)
	if again.ProcessedRows != 600 || again.CreatedCount != 600-importPart || again.SkippedCount != importPart {
		t.Errorf("again = %+v", again)
	}
	if n, events, history := s.count(t); n != 600 || events != 3*600 || history != 2*600 {
		t.Errorf("%d enrollments, %d events, %d history entries, want 600", n, events, history)
	}
}
