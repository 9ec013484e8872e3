package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// TestEventListPlan lists the events of a quiet instance, as a key
// limited to it sees them, while every newer event of the workspace
// belongs to a busy one, and checks that PostgreSQL reads neither the
// workspace's index nor the whole table, with custom and generic plans:
// walking the workspace's events newest first, skipping the busy
// instance's, costs the quiet one's list every event of the other.
func TestEventListPlan(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	// Not openDB: the events made below in SQL have no counters, which its
	// integrity check would report.
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, busy := importInstance(t, db)
	quiet := &enroll.ProgramInstance{ProgramID: busy.ProgramID, Slug: "quiet", Name: "Quiet", Status: enroll.InstanceActive}
	must(0, db.CreateInstance(ctx, a, quiet))

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	fill := `INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at)
		SELECT $2 || g, $1, CASE WHEN g % 3 = 0 THEN 'enrollment.created' ELSE 'enrollment.updated' END, $2 || g, $3, '{}', now()
		FROM generate_series(1, $4::int) g`
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "quiet-", quiet.ID, 3000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, fill, a.WorkspaceID, "busy-", busy.ID, 30000); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE events`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]enroll.EventFilter{
		"instance":        {InstanceIDs: []string{quiet.ID}},
		"instance, type":  {InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated}},
		"instance, types": {InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentUpdated}},
		"page 2":          {InstanceIDs: []string{quiet.ID}, ListParams: enroll.ListParams{Page: 2, PerPage: 5}},
	} {
		query, args, err := postgres.EventListQuery(a.WorkspaceID, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
				t.Fatal(err)
			}
			plan := explain(t, conn, query, args)
			if strings.Contains(plan, "events_workspace") || strings.Contains(plan, "Seq Scan on events") ||
				!strings.Contains(plan, "events_instance") {
				t.Errorf("%s (%s): the page is not read from the instance's own events:\n%s\n%s", name, mode, query, plan)
			}
		}
	}
}
