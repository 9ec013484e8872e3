package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// TestIntegrityCheck damages a sound database in each of the ways
// IntegrityCheck looks for and expects it to notice.
func TestIntegrityCheck(t *testing.T) {
	t.Parallel()
	for name, damage := range map[string]string{
		"counter":        `UPDATE enrollment_counts SET n = n + 1 WHERE status = 'eligible'`,
		"event counter":  `UPDATE event_counts SET n = n + 1 WHERE type = 'program.created'`,
		"column":         `UPDATE enrollments SET status = 'approved'`,
		"missing start":  `DELETE FROM status_changes WHERE doc->>'to' = 'candidate'`,
		"broken path":    `UPDATE status_changes SET doc = jsonb_set(doc, '{from}', '"submitted"') WHERE doc->>'to' = 'eligible'`,
		"no history":     `DELETE FROM status_changes`,
		"forbidden move": `UPDATE status_changes SET doc = jsonb_set(doc, '{to}', '"approved"') WHERE doc->>'to' = 'eligible'; UPDATE enrollments SET status = 'approved', doc = jsonb_set(doc, '{eligibility,status}', '"approved"'); UPDATE enrollment_counts SET status = 'approved' WHERE status = 'eligible'`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := newDatabase(t)
			db := openDB(t, url)
			ctx := context.Background()
			ws := &enroll.Workspace{ID: enroll.NewID(), Name: "integrity"}
			if err := db.CreateWorkspace(ctx, ws, nil); err != nil {
				t.Fatal(err)
			}
			a := enroll.Actor{WorkspaceID: ws.ID}
			p := &enroll.Program{Slug: "p", Name: "P"}
			if err := db.CreateProgram(ctx, a, p); err != nil {
				t.Fatal(err)
			}
			inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "i", Name: "I", Status: enroll.InstanceActive, AutoEvaluate: true}
			if err := db.CreateInstance(ctx, a, inst); err != nil {
				t.Fatal(err)
			}
			must(db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
				FirstName: "I", LastName: "I", Email: "i@example.com"}))
			if err := db.IntegrityCheck(ctx); err != nil {
				t.Fatalf("a sound database: %v", err)
			}

			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, damage); err != nil {
				t.Fatal(err)
			}
			err = db.IntegrityCheck(ctx)
			if err == nil || !strings.Contains(err.Error(), "integrity check failed") {
				t.Fatalf("IntegrityCheck after the damage: %v", err)
			}
			t.Log(err)
			// Leave a sound database for the cleanup's own check.
			if _, err := conn.Exec(ctx, `DELETE FROM enrollments; UPDATE enrollment_counts SET n = 0;
				DELETE FROM event_counts; INSERT INTO event_counts SELECT workspace_id, COALESCE(instance_id, ''), type, 0, COUNT(*) FROM events GROUP BY 1, 2, 3`); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestEventCounts checks that the totals of event lists, which come from
// the counters a trigger keeps, are the events listed, for a key of every
// instance and for one of another instance (which sees program events).
func TestEventCounts(t *testing.T) {
	t.Parallel()
	db := openDB(t, newDatabase(t))
	ctx := context.Background()
	a, inst := importInstance(t, db)
	must(db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com"}))
	events := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{}))
	limited := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{InstanceIDs: []string{"other"}}))
	created := must(db.ListEvents(ctx, a.WorkspaceID, enroll.EventFilter{Types: []enroll.EventType{enroll.EventEnrollmentCreated}}))
	if events.TotalItems != len(events.Data) || events.TotalItems < 5 || limited.TotalItems != 1 || len(limited.Data) != 1 ||
		created.TotalItems != 1 || len(created.Data) != 1 {
		t.Fatalf("totalItems %d of %d events; %d of %d for a key of another instance; %d of %d created",
			events.TotalItems, len(events.Data), limited.TotalItems, len(limited.Data), created.TotalItems, len(created.Data))
	}
}
