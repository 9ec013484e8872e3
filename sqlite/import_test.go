package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestImportBenchFile imports a small file of the benchmark's kind, in
// several batches, and checks everything each row wrote: one enrollment
// written once in its final state, its customer, two history entries and
// three events whose Seq is the one stored, and counters that add up; a
// second run skips every row.
func TestImportBenchFile(t *testing.T) {
	t.Parallel()
	const n = 250
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	im := s.run(t, importCSV(0, n), false, 100)
	if im.CreatedCount != n || im.FailedRows != 0 || im.ProcessedRows != n {
		t.Fatalf("import = %+v", im)
	}
	counts, err := s.db.CountEnrollments(ctx, s.a.WorkspaceID, s.inst.ID)
	if err != nil || counts[enroll.StatusEligible] != n*4/5 || counts[enroll.StatusIneligible] != n/5 || counts[enroll.StatusCandidate] != 0 {
		t.Fatalf("counts = %v, %v", counts, err)
	}
	var rows, customers, history, events, unique, versions int
	q := s.db.r
	for query, v := range map[string]*int{
		`SELECT COUNT(*) FROM enrollments WHERE instance_id = ?`:                                                        &rows,
		`SELECT COUNT(*) FROM customers WHERE workspace_id = (SELECT workspace_id FROM program_instances WHERE id = ?)`: &customers,
		`SELECT COUNT(*) FROM status_changes WHERE enrollment_id IN (SELECT id FROM enrollments WHERE instance_id = ?)`: &history,
		`SELECT COUNT(*) FROM events WHERE object_id IN (SELECT id FROM enrollments WHERE instance_id = ?)`:             &events,
		`SELECT COUNT(*) FROM enrollment_unique_values WHERE instance_id = ?`:                                           &unique,
		`SELECT COUNT(*) FROM enrollments WHERE instance_id = ? AND version = 2`:                                        &versions,
	} {
		if err := q.QueryRowContext(ctx, query, s.inst.ID).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	if rows != n || customers != n || history != 2*n || events != 3*n || unique != n || versions != n {
		t.Fatalf("%d enrollments, %d customers, %d history entries, %d events, %d unique values, %d at version 2",
			rows, customers, history, events, unique, versions)
	}
	page, err := s.db.ListEnrollments(ctx, s.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: s.inst.ID, Email: "suzie.4@example.com"})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("%v, %v", page, err)
	}
	e := page.Data[0]
	if e.Eligibility.Status != enroll.StatusIneligible || e.Eligibility.Reason != "Outside the service territory." || len(e.Evaluation.Trace) != 5 {
		t.Fatalf("row 5 = %+v %+v", e.Eligibility, e.Evaluation)
	}
	evs, err := s.db.ListEvents(ctx, s.a.WorkspaceID, enroll.EventFilter{ObjectID: e.ID})
	if err != nil || len(evs.Data) != 3 || evs.Data[0].Type != enroll.EventEnrollmentUpdated || evs.Data[1].Type != enroll.EventEnrollmentStatusChanged ||
		evs.Data[2].Type != enroll.EventEnrollmentCreated || evs.Data[0].Data.PreviousAttributes["evaluation"] != nil {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	hs, err := s.db.ListStatusChanges(ctx, s.a.WorkspaceID, e.ID)
	if err != nil || len(hs) != 2 || hs[0].From != "" || hs[1].From != enroll.StatusCandidate || hs[1].To != enroll.StatusIneligible {
		t.Fatalf("history = %+v, %v", hs, err)
	}
	// Events are written table by table for a whole run, in file order.
	rs, err := q.QueryContext(ctx, `SELECT json_extract(doc, '$.data.object.lastName') FROM events WHERE instance_id = ? AND type = ? ORDER BY seq`,
		s.inst.ID, enroll.EventEnrollmentCreated)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	created := 0
	for ; rs.Next(); created++ {
		var name string
		if err := rs.Scan(&name); err != nil || name != fmt.Sprintf("Homeowner%d", created) {
			t.Fatalf("created event %d names %q (%v)", created, name, err)
		}
	}
	if err := rs.Err(); err != nil || created != n {
		t.Fatalf("%d created events (%v)", created, err)
	}

	again := s.run(t, importCSV(0, n), false, 0)
	if again.CreatedCount != 0 || again.SkippedCount != n {
		t.Fatalf("second run = %+v", again)
	}
}

// TestInsertEventsSeq checks that insertEvents gives each event the seq
// the database gave it.
func TestInsertEventsSeq(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	var events []*enroll.Event
	err := s.db.write(ctx, func(tx *Tx) error {
		for i := range 5 {
			events = append(events, enroll.NewEvent(s.a, enroll.EventProgramUpdated, "p", map[string]int{"i": i}, nil, tx.now))
		}
		return tx.insertEvents(events, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		var seq int64
		if err := s.db.r.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = ?`, e.ID).Scan(&seq); err != nil || seq != e.Seq || seq == 0 {
			t.Fatalf("event %s: seq %d stored, %d set (%v)", e.ID, seq, e.Seq, err)
		}
	}
}

// TestImportRunFallback makes a planned run's writes meet a constraint the
// look-ups do not know (an extra unique index on customers' reference
// ids): the run's writes are rolled back and its rows go one by one, so
// only the refused row fails, and the others are created as usual.
func TestImportRunFallback(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	s.exec(t, `CREATE UNIQUE INDEX test_customers_reference ON customers (workspace_id, reference_id) WHERE reference_id <> ''`)
	taken := &enroll.Customer{FirstName: "Ref", LastName: "Holder", Email: "holder@example.com", ReferenceID: "REF-3"}
	if err := s.db.CreateCustomer(ctx, s.a, taken); err != nil {
		t.Fatal(err)
	}
	im := s.run(t, importCSV(0, 8), false, 0)
	if im.CreatedCount != 7 || im.FailedRows != 1 || len(im.Errors) != 1 || im.Errors[0].Row != 5 ||
		!strings.Contains(im.Errors[0].Message, "suzie.3@example.com") {
		t.Fatalf("import = %+v", im)
	}
	if rows, events, history := s.count(t); rows != 7 || events != 21 || history != 14 {
		t.Fatalf("%d enrollments, %d events, %d history entries", rows, events, history)
	}
	if err := s.db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestImportBatchLeadsItsGroup checks that an import batch waiting for
// the writer behind a create runs in a group of its own, after the
// create's has committed, rather than hold that commit for as long as the
// batch runs (see groupCommitter).
func TestImportBatchLeadsItsGroup(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	im, rows := s.newImport(t, false, 3)
	g := holdWriter(t, s.db)
	created := make(chan error, 1)
	go func() {
		_, err := s.db.CreateEnrollment(ctx, s.a, s.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Api", LastName: "Client", Email: "api@example.com"})
		created <- err
	}()
	g.queued(1)
	imported := make(chan error, 1)
	go func() {
		_, err := s.db.ImportEnrollments(ctx, s.a, im.ID, rows)
		imported <- err
	}()
	g.queued(2)
	g.run()
	if err := <-created; err != nil {
		t.Fatal(err)
	}
	if err := <-imported; err != nil {
		t.Fatal(err)
	}
	// The holder's group with the create, then the batch's.
	if got := g.groups(); got != 2 {
		t.Errorf("%d groups, want 2", got)
	}
	if rows, _, _ := s.count(t); rows != 4 {
		t.Errorf("%d enrollments, want 4", rows)
	}
}

// rows returns the rows of importCSV(0, n), as RunImport passes them.
func (s *importBench) rows(t *testing.T, n int) []*enroll.ImportRow {
	t.Helper()
	dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(importCSV(0, n)))
	if err != nil {
		t.Fatal(err)
	}
	var rows []*enroll.ImportRow
	for range n {
		r, err := dec.Next()
		if err != nil {
			t.Fatal(err)
		}
		s.inst.CoerceParameters(r.Create.Parameters)
		rows = append(rows, r)
	}
	return rows
}

// newImport creates an import job of s's instance, a dry run when
// dryRun, and returns it with the rows of importCSV(0, n).
func (s *importBench) newImport(t *testing.T, dryRun bool, n int) (*enroll.Import, []*enroll.ImportRow) {
	t.Helper()
	im := &enroll.Import{ProgramInstanceID: s.inst.ID, Format: enroll.FormatCSV, DryRun: dryRun}
	if err := s.db.CreateImport(context.Background(), s.a, im); err != nil {
		t.Fatal(err)
	}
	return im, s.rows(t, n)
}

// exec runs a statement (a schema change a test makes) in a write.
func (s *importBench) exec(t *testing.T, stmt string) {
	t.Helper()
	if err := s.db.write(context.Background(), func(tx *Tx) error { _, err := tx.exec(stmt); return err }); err != nil {
		t.Fatal(err)
	}
}

// TestImportYields checks that a batch written in parts (as when writes
// waited for an import lately) ends its transaction at the end of the
// part during which a write queued for the writer, lets that write
// commit, and writes the rest after it, the job counting at every commit
// the rows committed; and that a dry run's batch, whose rows see only
// the earlier rows of their transaction, is never split.
func TestImportYields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		dryRun bool
		// seen is what the waiting write finds: the job's processed
		// rows and the instance's enrollments.
		seenRows, seenEnrollments int
	}{
		{"import", false, importPart, importPart},
		{"dry run", true, 600, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newImportBench(t, "NORMAL")
			ctx := context.Background()
			im, rows := s.newImport(t, tc.dryRun, 600)
			s.db.importContended.Store(time.Now().UnixNano())
			waited := make(chan error, 1)
			var seenRows, seenEnrollments int
			s.db.afterImportPart = func() {
				s.db.afterImportPart = nil
				go func() {
					waited <- s.db.write(ctx, func(tx *Tx) error {
						job, err := findImport(ctx, tx, s.a.WorkspaceID, im.ID)
						if err != nil {
							return err
						}
						seenRows = job.ProcessedRows
						return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE instance_id = ?`, s.inst.ID).Scan(&seenEnrollments)
					})
				}()
				for !s.db.group.waiting() {
					time.Sleep(time.Millisecond)
				}
			}
			done, err := s.db.ImportEnrollments(ctx, s.a, im.ID, rows)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-waited; err != nil {
				t.Fatal(err)
			}
			if seenRows != tc.seenRows || seenEnrollments != tc.seenEnrollments {
				t.Errorf("the waiting write saw %d rows processed and %d enrollments, want %d and %d",
					seenRows, seenEnrollments, tc.seenRows, tc.seenEnrollments)
			}
			if done.ProcessedRows != 600 || done.CreatedCount != 600 || done.SkippedCount != 0 || done.FailedRows != 0 {
				t.Errorf("job = %+v", done)
			}
			want := 600
			if tc.dryRun {
				want = 0
			}
			if rows, events, history := s.count(t); rows != want || events != 3*want || history != 2*want {
				t.Errorf("%d enrollments, %d events, %d history entries, want %d", rows, events, history, want)
			}
			// Run again: every row is skipped, whatever its part.
			if tc.dryRun {
				return
			}
			again, rows := s.newImport(t, false, 600)
			if done, err := s.db.ImportEnrollments(ctx, s.a, again.ID, rows); err != nil || done.SkippedCount != 600 {
				t.Fatalf("re-run = %+v, %v", done, err)
			}
		})
	}
}

// TestImportPreparedBounds checks that a run planned ahead within other
// bounds than the run written (a plan for the whole batch, written in
// parts) is planned again, not written: new participants' look-ups find
// nothing whatever the rows, so their digests match.
func TestImportPreparedBounds(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	ctx := context.Background()
	im, rows := s.newImport(t, false, 600)
	prep, err := s.db.PrepareImport(ctx, s.a, im.ID, rows)
	if err != nil || prep.Part != 0 || len(prep.Runs) != 1 {
		t.Fatalf("prepared = %+v, %v", prep, err)
	}
	prep.Part = importPart
	done, err := s.db.ImportPrepared(ctx, s.a, im.ID, rows, prep)
	if err != nil || done.ProcessedRows != 600 || done.CreatedCount != 600 || done.SkippedCount != 0 {
		t.Fatalf("import = %+v, %v", done, err)
	}
	if rows, _, _ := s.count(t); rows != 600 {
		t.Errorf("%d enrollments, want 600", rows)
	}
}

// TestImportInternalError makes the database refuse one row with an error
// that is not the row's fault (a trigger's RAISE, which the store does not
// translate, like a full disk): the batch holding it is rolled back whole,
// the batches before it stay, the job fails saying to run the file again,
// and running it again once the database is well imports the rest and
// nothing twice. Rows planned in runs and rows created one by one
// (reenroll=false keeps them out of the planner) both stop the import.
func TestImportInternalError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file func(string) string
	}{
		{"planned run", func(f string) string { return f }},
		{"one by one", func(f string) string {
			lines := strings.Split(strings.TrimSuffix(f, "\n"), "\n")
			lines[0] += ",reenroll"
			for i := 1; i < len(lines); i++ {
				lines[i] += ",false"
			}
			return strings.Join(lines, "\n") + "\n"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newImportBench(t, "NORMAL")
			ctx := context.Background()
			s.exec(t, `CREATE TRIGGER test_fail BEFORE INSERT ON enrollments WHEN NEW.email_norm = 'suzie.5@example.com'
				BEGIN SELECT RAISE(ABORT, 'test: the disk is on fire'); END`)
			file := tc.file(importCSV(0, 8))
			im, err := s.runErr(t, file, false, 3)
			if err == nil || im.Status != enroll.ImportFailed || !strings.Contains(im.Message, "Run the same file again") ||
				im.ProcessedRows != 3 || im.CreatedCount != 3 || im.FailedRows != 0 {
				t.Fatalf("import = %+v, %v", im, err)
			}
			if rows, events, history := s.count(t); rows != 3 || events != 9 || history != 6 {
				t.Fatalf("after the failure: %d enrollments, %d events, %d history entries", rows, events, history)
			}
			s.exec(t, `DROP TRIGGER test_fail`)
			again := s.run(t, file, false, 3)
			if again.Status != enroll.ImportSucceeded || again.CreatedCount != 5 || again.SkippedCount != 3 {
				t.Fatalf("second run = %+v", again)
			}
			if rows, events, history := s.count(t); rows != 8 || events != 24 || history != 16 {
				t.Fatalf("after the second run: %d enrollments, %d events, %d history entries", rows, events, history)
			}
			counts, err := s.db.CountEnrollments(ctx, s.a.WorkspaceID, s.inst.ID)
			if err != nil || counts[enroll.StatusEligible]+counts[enroll.StatusIneligible] != 8 {
				t.Fatalf("counts = %v, %v", counts, err)
			}
			if err := s.db.IntegrityCheck(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// count returns the enrollments of s's instance and their events and
// history entries.
func (s *importBench) count(t *testing.T) (rows, events, history int) {
	t.Helper()
	for query, v := range map[string]*int{
		`SELECT COUNT(*) FROM enrollments WHERE instance_id = ?`:                                                        &rows,
		`SELECT COUNT(*) FROM events WHERE object_id IN (SELECT id FROM enrollments WHERE instance_id = ?)`:             &events,
		`SELECT COUNT(*) FROM status_changes WHERE enrollment_id IN (SELECT id FROM enrollments WHERE instance_id = ?)`: &history,
	} {
		if err := s.db.r.QueryRowContext(context.Background(), query, s.inst.ID).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	return rows, events, history
}

// TestInsertMany checks that insertMany writes every row, in order, for
// any number of rows, with few statement sizes: each size is a statement
// the writer prepares and keeps.
func TestInsertMany(t *testing.T) {
	t.Parallel()
	s := newImportBench(t, "NORMAL")
	const head = `INSERT INTO insert_many_test (v, w)`
	want := 0
	err := s.db.write(context.Background(), func(tx *Tx) error {
		if _, err := tx.exec(`CREATE TABLE insert_many_test (v INTEGER, w TEXT)`); err != nil {
			return err
		}
		for _, n := range append([]int{0, 99, 100, 101, 163, 250}, rangeTo(20)...) {
			var args []any
			for i := range n {
				args = append(args, want+i, fmt.Sprint("row ", want+i))
			}
			if err := tx.insertMany(head, 2, args); err != nil {
				return err
			}
			want += n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.r.QueryContext(context.Background(), `SELECT v, w FROM insert_many_test ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for ; rows.Next(); got++ {
		var v int
		var w string
		if err := rows.Scan(&v, &w); err != nil || v != got || w != fmt.Sprint("row ", got) {
			t.Fatalf("row %d = %d %q (%v)", got, v, w, err)
		}
	}
	if got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	sizes := 0
	manyTexts.Range(func(k, _ any) bool {
		if k.(manyKey).head == head {
			sizes++
		}
		return true
	})
	if sizes > 8 {
		t.Fatalf("%d statement sizes for one table", sizes)
	}
}

// rangeTo returns 1, 2, ... n.
func rangeTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
