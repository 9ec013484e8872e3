package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// TestImportPlanConflict makes a planned run's writes meet a constraint the
// look-ups do not know (an extra unique index on enrollments' last names),
// as a concurrent import of the same people would: the transaction is
// rolled back and its rows go one by one through the create path, so only
// the refused row fails, and the job counts what committed.
func TestImportPlanConflict(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	execSQL(t, url, `CREATE UNIQUE INDEX test_enrollments_last_name ON enrollments (instance_id, last_name)`)
	a, inst := importInstance(t, db)

	var file strings.Builder
	file.WriteString("firstName,lastName,email,referenceId\n")
	for i := range 8 {
		last := i
		if i == 3 {
			last = 0 // row 5 repeats row 2's last name
		}
		fmt.Fprintf(&file, "Suzie,Row%d,suzie.%d@example.com,REF-%d\n", last, i, i)
	}
	dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
	im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
	must(0, db.CreateImport(ctx, a, im))
	im = must(enroll.RunImport(ctx, db, a, im, dec, 0))
	if im.CreatedCount != 7 || im.FailedRows != 1 || len(im.Errors) != 1 || im.Errors[0].Row != 5 {
		t.Fatalf("import = %+v", im)
	}
	counts := must(db.CountEnrollments(ctx, a.WorkspaceID, inst.ID))
	events := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{Types: []enroll.EventType{enroll.EventEnrollmentCreated}}))
	if counts[enroll.StatusEligible] != 7 || events.TotalItems != 7 {
		t.Fatalf("counts %v, %d created events", counts, events.TotalItems)
	}
}

// TestImportInternalError makes the database refuse one row with an error
// that is not the row's fault (a trigger's exception, which the store does
// not translate): the transaction holding it is rolled back whole, the
// ones before it stay, the job fails saying to run the file again, and
// running it again once the database is well imports the rest and
// nothing twice. Rows planned in runs and rows created one by one
// (reenroll=false keeps them out of the planner) both stop the import.
func TestImportInternalError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, header, cells string }{
		{"planned run", "", ""},
		{"one by one", ",reenroll", ",false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := newDatabase(t)
			db := openDB(t, url)
			ctx := context.Background()
			execSQL(t, url, `CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.email_norm = 'suzie.5@example.com' THEN RAISE EXCEPTION 'test: the disk is on fire'; END IF;
					RETURN NEW;
				END $$;
				CREATE TRIGGER test_fail BEFORE INSERT ON enrollments FOR EACH ROW EXECUTE FUNCTION test_fail()`)
			a, inst := importInstance(t, db)

			var file strings.Builder
			file.WriteString("firstName,lastName,email,referenceId" + tc.header + "\n")
			for i := range 8 {
				fmt.Fprintf(&file, "Suzie,Row%d,suzie.%d@example.com,REF-%d%s\n", i, i, i, tc.cells)
			}
			run := func() (*enroll.Import, error) {
				dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
				im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
				must(0, db.CreateImport(ctx, a, im))
				return enroll.RunImport(ctx, db, a, im, dec, 3)
			}
			im, err := run()
			if err == nil || im.Status != enroll.ImportFailed || !strings.Contains(im.Message, "Run the same file again") ||
				im.ProcessedRows != 3 || im.CreatedCount != 3 || im.FailedRows != 0 {
				t.Fatalf("import = %+v, %v", im, err)
			}
			check := func(n int) {
				t.Helper()
				counts := must(db.CountEnrollments(ctx, a.WorkspaceID, inst.ID))
				events := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{Types: []enroll.EventType{enroll.EventEnrollmentCreated}}))
				if counts[enroll.StatusEligible] != n || events.TotalItems != n {
					t.Fatalf("counts %v, %d created events; want %d", counts, events.TotalItems, n)
				}
			}
			check(3)
			execSQL(t, url, `DROP TRIGGER test_fail ON enrollments`)
			im, err = run()
			if err != nil || im.Status != enroll.ImportSucceeded || im.CreatedCount != 5 || im.SkippedCount != 3 {
				t.Fatalf("second run = %+v, %v", im, err)
			}
			check(8)
		})
	}
}

// importInstance makes a workspace with an active instance that evaluates
// at once and has no rules, and returns an actor of the workspace and the
// instance.
func importInstance(t *testing.T, db *postgres.DB) (enroll.Actor, *enroll.ProgramInstance) {
	t.Helper()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws"}
	key, _ := enroll.NewAPIKey(ws.ID, "k", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	p := &enroll.Program{Slug: "p", Name: "P"}
	must(0, db.CreateProgram(ctx, a, p))
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "i", Name: "I", Status: enroll.InstanceActive, AutoEvaluate: true}
	must(0, db.CreateInstance(ctx, a, inst))
	return a, inst
}

// execSQL runs stmt on the database at url, outside the store.
func execSQL(t *testing.T, url, stmt string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatal(err)
	}
}

// TestImportStatementTimeout makes the database take longer than the
// statement timeout to write a batch (a trigger sleeps on one row): the
// job fails with a message saying so and to run the file again, not
// "Internal error.", and the batches before it stay.
func TestImportStatementTimeout(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db, err := postgres.Open(context.Background(), postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4, StatementTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	execSQL(t, url, `CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.email_norm = 'suzie.5@example.com' THEN PERFORM pg_sleep(2); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER test_slow BEFORE INSERT ON enrollments FOR EACH ROW EXECUTE FUNCTION test_slow()`)
	ctx := context.Background()
	a, inst := importInstance(t, db)
	var file strings.Builder
	file.WriteString("firstName,lastName,email\n")
	for i := range 8 {
		fmt.Fprintf(&file, "Suzie,Row%d,suzie.%d@example.com\n", i, i)
	}
	dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
	im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
	must(0, db.CreateImport(ctx, a, im))
	im, err = enroll.RunImport(ctx, db, a, im, dec, 3)
	if err == nil || im.Status != enroll.ImportFailed || im.CreatedCount != 3 ||
		!strings.Contains(im.Message, "The database took longer than its statement timeout") || !strings.Contains(im.Message, "Run the same file again") {
		t.Fatalf("import = %+v (message %q), %v", im, im.Message, err)
	}
}
