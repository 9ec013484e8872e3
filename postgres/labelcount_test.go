package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// labelTotals checks, for each label of labels in the workspace and in
// inst, with no status, each of statuses and all of them, that the
// totalItems of the list filtered by it is the enrollments a plain SQL
// count matches.
func labelTotals(t *testing.T, step string, db interface {
	ListEnrollments(context.Context, string, enroll.EnrollmentFilter) (*enroll.Page[*enroll.Enrollment], error)
}, conn *pgx.Conn, ws, inst string, labels []enroll.EnrollmentFilter, statuses []enroll.Status) {
	t.Helper()
	ctx := context.Background()
	sets := [][]enroll.Status{nil, statuses}
	for _, s := range statuses {
		sets = append(sets, []enroll.Status{s})
	}
	for _, l := range labels {
		key, value := "tags", l.Tag
		switch {
		case l.ManufacturerSlug != "":
			key, value = "manufacturerSlugs", l.ManufacturerSlug
		case l.GroupID != "":
			key, value = "groupIds", l.GroupID
		}
		for _, scope := range []string{"", inst} {
			for _, st := range sets {
				names := make([]string, len(st))
				for i, s := range st {
					names[i] = string(s)
				}
				var want int
				if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM enrollments WHERE workspace_id = $1 AND ($2 = '' OR instance_id = $2)
					AND doc->$3 ? $4 AND (cardinality($5::text[]) = 0 OR status = ANY($5))`, ws, scope, key, value, names).Scan(&want); err != nil {
					t.Fatal(err)
				}
				f := l
				f.ProgramInstanceID, f.Statuses, f.PerPage = scope, st, 1
				pg, err := db.ListEnrollments(ctx, ws, f)
				if err != nil {
					t.Fatal(err)
				}
				if pg.TotalItems != want {
					t.Errorf("after %s: %s %q, instance %q, statuses %v: totalItems %d, want %d", step, key, value, scope, st, pg.TotalItems, want)
				}
			}
		}
	}
}

// TestLabelCountsPlainSQL writes enrollments as the release before the
// label counters does during a rolling deploy, with plain SQL that keeps
// the status counters but knows nothing of the label counters: inserts
// (one row holding a tag twice), updates of labels, of status, of both and
// of neither over several rows, and deletes. The totals of label-filtered
// lists stay exact, as the triggers count every writer's rows.
func TestLabelCountsPlainSQL(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "labels"}
	if err := db.CreateWorkspace(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	p := &enroll.Program{Slug: "p", Name: "P"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "i", Name: "I", Status: enroll.InstanceActive,
		Groups: []enroll.Group{{ID: "north", Name: "North"}}}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	other := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "j", Name: "J", Status: enroll.InstanceActive}
	if err := db.CreateInstance(ctx, a, other); err != nil {
		t.Fatal(err)
	}
	create := func(in, email string, tags, slugs, groups []string) *enroll.Enrollment {
		return must(db.CreateEnrollment(ctx, a, in, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "L", LastName: "L", Email: email, Tags: tags, ManufacturerSlugs: slugs, GroupIDs: groups}))
	}
	x := create(inst.ID, "x@example.com", []string{"vip", "solar"}, []string{"lg"}, []string{"north"})
	y := create(inst.ID, "y@example.com", []string{"vip"}, nil, nil)
	create(inst.ID, "z@example.com", nil, []string{"lg"}, nil)
	create(other.ID, "o@example.com", []string{"vip"}, nil, nil)
	s0 := x.Eligibility.Status

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	labels := []enroll.EnrollmentFilter{{Tag: "vip"}, {Tag: "solar"}, {Tag: "new"}, {ManufacturerSlug: "lg"}, {GroupID: "north"}}
	statuses := []enroll.Status{s0, enroll.StatusApproved}
	check := func(step string) { t.Helper(); labelTotals(t, step, db, conn, ws.ID, inst.ID, labels, statuses) }
	check("the store's creates")

	// status moves the row and its status counters, as the release before
	// would; the label counters are left alone.
	status := func(from, to enroll.Status) string {
		return fmt.Sprintf(`UPDATE enrollments SET status = '%[2]s', doc = jsonb_set(doc, '{eligibility,status}', '"%[2]s"')
			WHERE workspace_id = $1 AND id = $2;
			UPDATE enrollment_counts SET n = n + CASE status WHEN '%[1]s' THEN -1 ELSE 1 END
			WHERE workspace_id = $1 AND instance_id = $3 AND status IN ('%[1]s', '%[2]s')`, from, to)
	}
	// Simple protocol, which takes several statements; each step names
	// the workspace $1, x $2, inst $3 and y $4.
	for _, step := range []struct{ name, sql string }{
		{"an insert of a copy holding a tag twice", `INSERT INTO enrollments (workspace_id, id, instance_id, status, doc, version, created_at, updated_at)
			SELECT workspace_id, 'copy', instance_id, status, jsonb_set(jsonb_set(doc, '{id}', '"copy"'), '{tags}', '["vip", "new", "vip"]'), 1, created_at, updated_at
			FROM enrollments WHERE workspace_id = $1 AND id = $2;
			UPDATE enrollment_counts SET n = n + 1 WHERE workspace_id = $1 AND instance_id = $3 AND status = '` + string(s0) + `'`},
		{"an update of labels", `UPDATE enrollments SET doc = jsonb_set(jsonb_set(doc, '{tags}', '["solar", "new"]'), '{manufacturerSlugs}', '["lg"]')
			WHERE workspace_id = $1 AND id = $4`},
		{"an update of status", status(s0, enroll.StatusApproved)},
		{"an update of nothing counted over every row", `UPDATE enrollments SET updated_at = updated_at + interval '1 second', version = version + 1
			WHERE workspace_id = $1`},
		{"an update of labels and status", status(enroll.StatusApproved, s0) + `;
			UPDATE enrollments SET doc = jsonb_set(doc, '{groupIds}', '[]') WHERE workspace_id = $1 AND id = $2`},
		{"an update of labels over several rows", `UPDATE enrollments SET doc = jsonb_set(doc, '{tags}', (doc->'tags') || '["new"]')
			WHERE workspace_id = $1 AND instance_id = $3 AND id <> $2`},
		{"a delete", `DELETE FROM enrollments WHERE workspace_id = $1 AND id = 'copy';
			UPDATE enrollment_counts SET n = n - 1 WHERE workspace_id = $1 AND instance_id = $3 AND status = '` + string(s0) + `'`},
	} {
		if _, err := conn.Exec(ctx, `SELECT $1::text, $2::text, $3::text, $4::text; `+step.sql, pgx.QueryExecModeSimpleProtocol, ws.ID, x.ID, inst.ID, y.ID); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		check(step.name)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLabelCountsConcurrentWrites changes the labels of enrollments and
// approves others of the same instance (with a capacity, whose check
// locks the status counters before the update's trigger locks the label
// counters) on several connections at once, so that backends sharing a
// shard meet on the same label counters, and checks the totals and
// IntegrityCheck after: the lock order may cost a retried deadlock, never
// a wrong count.
func TestLabelCountsConcurrentWrites(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "labels"}
	if err := db.CreateWorkspace(ctx, ws, nil); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	p := &enroll.Program{Slug: "p", Name: "P"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	capacity := 1000
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "i", Name: "I", Status: enroll.InstanceActive, AutoEvaluate: true, Capacity: &capacity}
	if err := db.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	const n = 24
	es := make([]*enroll.Enrollment, n)
	for i := range es {
		es[i] = must(db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "L", LastName: "L", Email: fmt.Sprintf("c%d@example.com", i), Tags: []string{"vip"}, ManufacturerSlugs: []string{"lg"}}))
	}
	s0 := es[0].Eligibility.Status
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i, e := range es {
		wg.Go(func() {
			change := func(fn func(*enroll.Enrollment)) error {
				_, err := db.UpdateEnrollment(ctx, a, e.ID, func(x *enroll.Enrollment) error { fn(x); return nil })
				return err
			}
			var err error
			if i%2 == 0 {
				// Through submitted when the status before is not one an
				// approval comes from.
				if !enroll.CanTransition(e.Eligibility.Status, enroll.StatusApproved) {
					err = change(func(x *enroll.Enrollment) { x.SetStatus(enroll.StatusSubmitted, "") })
				}
				if err == nil {
					err = change(func(x *enroll.Enrollment) { x.SetStatus(enroll.StatusApproved, "") })
				}
			} else {
				err = change(func(x *enroll.Enrollment) { x.Tags = []string{"vip", "solar"} })
				if err == nil {
					err = change(func(x *enroll.Enrollment) { x.Tags = []string{"solar"} })
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	labelTotals(t, "concurrent writes", db, conn, ws.ID, inst.ID, []enroll.EnrollmentFilter{{Tag: "vip"}, {Tag: "solar"}, {ManufacturerSlug: "lg"}},
		[]enroll.Status{s0, enroll.StatusSubmitted, enroll.StatusApproved})
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
