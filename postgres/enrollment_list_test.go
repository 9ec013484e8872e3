package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestEnrollmentListPlan lists an instance that holds most of its
// workspace's enrollments while all the newest belong to another, and
// checks that PostgreSQL reads the page from an index of the listed
// instance, with its parameters known and with a generic plan (which a
// prepared statement gets after five runs). From the workspace-wide index
// on the sort column, which the planner prefers when the instance holds
// most rows, a page would first read past every newer row of the other
// instance: 12,000 in the load harness, where a list at 1,000,000
// enrollments took 5 times as long as at 10,000.
func TestEnrollmentListPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, old, current, conn := planStore(t)
	fill := `INSERT INTO enrollments (workspace_id, id, instance_id, status, doc, version, created_at, updated_at)
		SELECT $1, $2 || g, $3, CASE WHEN g % 3 = 0 THEN 'ineligible' ELSE 'eligible' END, '{}', 1, t, t
		FROM generate_series(1, $4::int) g, LATERAL (SELECT now() + $5::interval + g * interval '1 millisecond' AS t) x`
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "old-", old.ID, 30000, "-1 day"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "new-", current.ID, 3000, "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE enrollments`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]enroll.EnrollmentFilter{
		"instance":             {ProgramInstanceID: old.ID},
		"instance, one status": {ProgramInstanceID: old.ID, Statuses: []enroll.Status{enroll.StatusEligible}},
		"instance, updatedAt":  {ProgramInstanceID: old.ID, ListParams: enroll.ListParams{Sort: enroll.SortUpdatedDesc}},
		"key's one instance":   {ProgramInstanceIDs: []string{old.ID}},
		"instance of the key's": {ProgramInstanceID: old.ID, ProgramInstanceIDs: []string{old.ID, current.ID},
			Statuses: []enroll.Status{enroll.StatusEligible}},
	} {
		query, args, err := postgres.EnrollmentListQuery(ctx, conn, a.WorkspaceID, f, false)
		if err != nil {
			t.Fatal(err)
		}
		for mode, plan := range explain(t, conn, query, args) {
			if !strings.Contains(plan, "using enrollments_instance_") || strings.Contains(plan, "Sort") {
				t.Errorf("%s (%s): the page is not read in order from an index of the instance:\n%s\n%s", name, mode, query, plan)
			}
		}
	}
}

// explain returns PostgreSQL's plans for query with args on conn, by
// plan_cache_mode: with its parameters known (force_custom_plan), and
// generic (force_generic_plan), as a prepared statement gets after five
// runs.
func explain(t *testing.T, conn *pgx.Conn, query string, args []any) map[string]string {
	t.Helper()
	ctx := context.Background()
	plans := map[string]string{}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		rows, err := conn.Query(ctx, "EXPLAIN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		plans[mode] = plan.String()
	}
	return plans
}

// planStore opens a store on a new database with a workspace and two
// instances of one program, and a connection of its own for the rows a
// plan test makes in SQL. Not openDB: those rows have no history or
// counters, which its integrity check would report.
func planStore(t *testing.T) (enroll.Actor, *enroll.ProgramInstance, *enroll.ProgramInstance, *pgx.Conn) {
	t.Helper()
	url := newDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, first := importInstance(t, db)
	second := &enroll.ProgramInstance{ProgramID: first.ProgramID, Slug: "second", Name: "Second", Status: enroll.InstanceActive}
	must(0, db.CreateInstance(ctx, a, second))
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return a, first, second, conn
}

// TestSearchLaterWordsIndexed runs the conformance suite's checks of q
// with no later-word match named by id: every word that begins a later
// word of a name is read through the GIN index (migration 22), as a word
// that many names hold is, rather than by the ids of the few.
func TestSearchLaterWordsIndexed(t *testing.T) {
	t.Parallel()
	storetest.EnrollmentSearch(t, func(t *testing.T) enroll.Store {
		db := openDB(t, newDatabase(t))
		postgres.SetLaterFew(db, 0)
		return db
	})
}
