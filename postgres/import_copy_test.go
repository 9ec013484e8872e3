package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/jackc/pgx/v5"
)

// TestImportCopyMatchesInsert writes one planned run with COPY and with
// multi-row INSERTs and compares every row they leave: columns filled by
// the statement (lower-cased names, nulls, jsonb documents) or by the
// database (defaults, identity order, the customers' counting trigger,
// the events' counters). Rows cover new and existing customers, both
// outcomes of a rule, unique values present and absent, and text that
// needs escaping.
func TestImportCopyMatchesInsert(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	a, inst := importInstance(t, db)
	must(db.UpdateInstance(ctx, a, inst.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `inStates(["NY"])`, Reason: "Outside \"NY\"."}}
		in.Parameters = []enroll.Parameter{{ExternalID: "account", Name: "Account", Type: enroll.ParamString,
			Constraints: enroll.ParameterConstraints{Unique: true}}}
		return nil
	}))
	must(0, db.CreateCustomer(ctx, a, &enroll.Customer{FirstName: "Old", LastName: "Customer", Email: "old@example.com"}))

	var file strings.Builder
	file.WriteString("firstName,lastName,email,address.state,referenceId,parameters.account\n")
	for i := range 20 {
		state, ref, account := "NY", fmt.Sprintf("REF-%d", i), fmt.Sprintf("ACC-%d", i)
		if i%3 == 0 {
			state, ref, account = "CA", "", ""
		}
		fmt.Fprintf(&file, "Suzie,Homeowner%d,Suzie.%d@Example.com,%s,%s,%s\n", i, i, state, ref, account)
	}
	file.WriteString(`"Zoë ""Z""",O'Brien\tÅ,old@example.com,NY,REF-old,"ACC,\\N"` + "\n")
	dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
	var rows []*enroll.ImportRow
	for {
		r, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}

	insert, copied := must2(postgres.ImportPlanWrites(ctx, db, a, inst.ID, rows))
	if len(insert) < 21*5 {
		t.Fatalf("%d rows written:\n%s", len(insert), strings.Join(insert, "\n"))
	}
	if !slices.Equal(insert, copied) {
		for i := range max(len(insert), len(copied)) {
			if i >= len(insert) || i >= len(copied) || insert[i] != copied[i] {
				t.Fatalf("row %d differs:\nINSERT %s\nCOPY   %s", i, at(insert, i), at(copied, i))
			}
		}
	}
}

// must2 is must for functions returning two values.
func must2[T, U any](v T, w U, err error) (T, U) {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v, w
}

// at returns s[i], or "(none)".
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

// TestImportCopyConflict runs two imports of the same file at once into
// two instances of one workspace, so both plan every row as a new
// customer (neither sees the other's uncommitted rows) and both write them
// with COPY: a lock on enrollments holds the first after its customers,
// until the second's COPY into customers waits on the first's emails.
// (Two imports into one instance would not meet there: the second waits
// for the first's email locks before its look-ups, and then sees its
// rows.) Then the second meets their unique index; its transaction is
// rolled back and its rows go one by one, each enrolling the customer the
// first made. Every person is one customer, enrolled once in each
// instance, and the jobs count exactly that.
func TestImportCopyConflict(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	a, inst := importInstance(t, db)
	other := &enroll.ProgramInstance{ProgramID: inst.ProgramID, Slug: "other", Name: "Other", Status: enroll.InstanceActive, AutoEvaluate: true}
	must(0, db.CreateInstance(ctx, a, other))
	const n = 40
	var file strings.Builder
	file.WriteString("firstName,lastName,email,referenceId\n")
	for i := range n {
		fmt.Fprintf(&file, "Suzie,Row%d,suzie.%d@example.com,REF-%d\n", i, i, i)
	}

	// lock holds the lock; watch reads pg_stat_activity, which a
	// transaction would see as of its first read.
	lock, watch := connect(t, url), connect(t, url)
	held := must(lock.Begin(ctx))
	must(held.Exec(ctx, `LOCK TABLE enrollments IN SHARE MODE`))

	var (
		wg   sync.WaitGroup
		jobs [2]*enroll.Import
		errs [2]error
	)
	for i, into := range []*enroll.ProgramInstance{inst, other} {
		wg.Go(func() {
			dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
			im := &enroll.Import{ProgramInstanceID: into.ID, Format: enroll.FormatCSV}
			if errs[i] = db.CreateImport(ctx, a, im); errs[i] == nil {
				jobs[i], errs[i] = enroll.RunImport(ctx, db, a, im, dec, 0)
			}
		})
	}
	// Both COPYs wait: one for the lock, the other for the first's rows.
	var waiting int
	for deadline := time.Now().Add(20 * time.Second); waiting < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d COPYs waiting", waiting)
		}
		must(0, watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query ILIKE 'copy %'`).Scan(&waiting))
	}
	must(0, held.Rollback(ctx))
	wg.Wait()

	for i, im := range jobs {
		if errs[i] != nil || im.Status != enroll.ImportSucceeded || im.ProcessedRows != n || im.FailedRows != 0 ||
			im.CreatedCount != n || im.SkippedCount != 0 {
			t.Fatalf("import %d = %+v, %v", i, im, errs[i])
		}
	}
	events := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{Types: []enroll.EventType{enroll.EventEnrollmentCreated}}))
	customers := must(db.ListCustomers(ctx, a.WorkspaceID, enroll.CustomerFilter{}))
	if events.TotalItems != 2*n || customers.TotalItems != n {
		t.Fatalf("%d created events, %d customers; want %d and %d", events.TotalItems, customers.TotalItems, 2*n, n)
	}
	for _, in := range []*enroll.ProgramInstance{inst, other} {
		if counts := must(db.CountEnrollments(ctx, a.WorkspaceID, in.ID)); counts[enroll.StatusEligible] != n {
			t.Fatalf("instance %s: counts %v; want %d eligible", in.Slug, counts, n)
		}
	}
	var rows, pairs int
	must(0, watch.QueryRow(ctx, `SELECT count(*), count(DISTINCT (instance_id, customer_id, email_norm)) FROM enrollments`).Scan(&rows, &pairs))
	if rows != 2*n || pairs != 2*n {
		t.Fatalf("%d enrollments, %d of a customer and an email in an instance; want %d", rows, pairs, 2*n)
	}
}

// connect opens a connection to the database at url, outside the store,
// closed when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
