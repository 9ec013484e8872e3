package sqlite

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestMigrateLabelCounts checks that migration 26 counts the enrollments
// stored before it by instance, label and status, a value a document
// holds twice (stored before repeats were refused) once, as its filter
// matches once; that the lists' totals then come out right; and that
// IntegrityCheck reports a counter that differs from the enrollments.
func TestMigrateLabelCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstanceFixture(t, "labelcounts", "OFF", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive,
		Groups: []enroll.Group{{ID: "north", Name: "North"}}})
	db, a, inst := f.db, f.a, f.inst
	var status string
	for i, l := range []struct{ tags, mfrs, groups []string }{
		{[]string{"vip", "solar"}, []string{"lg"}, []string{"north"}},
		{[]string{"vip"}, nil, nil},
		{},
	} {
		e, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "F", LastName: "L", Email: "p" + string(rune('a'+i)) + "@example.com",
			Tags: l.tags, ManufacturerSlugs: l.mfrs, GroupIDs: l.groups})
		if err != nil {
			t.Fatal(err)
		}
		status = string(e.Eligibility.Status)
	}
	mdb, pr := migrationConn(t, f.path, "OFF")
	if _, err := pr.DownTo(ctx, 25); err != nil {
		t.Fatal(err)
	}
	// A document holding a tag twice, and the labels column that says so.
	if _, err := mdb.ExecContext(ctx, `UPDATE enrollments SET doc = json_set(doc, '$.tags', json('["vip", "solar", "vip"]'))
		WHERE json_extract(doc, '$.tags[1]') = 'solar'`); err != nil {
		t.Fatal(err)
	}
	if _, err := mdb.ExecContext(ctx, `UPDATE enrollments SET labels = `+labelsOfDoc); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Up(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	rows, err := mdb.QueryContext(ctx, `SELECT kind || '/' || value || '/' || status, n FROM enrollment_label_counts WHERE workspace_id = ? AND instance_id = ?`,
		a.WorkspaceID, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		got[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"t/vip/" + status: 2, "t/solar/" + status: 1, "m/lg/" + status: 1, "g/north/" + status: 1}
	if !maps.Equal(got, want) {
		t.Fatalf("enrollment_label_counts = %v, want %v", got, want)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	pg, err := db.ListEnrollments(ctx, a.WorkspaceID, enroll.EnrollmentFilter{Tag: "vip"})
	if err != nil {
		t.Fatal(err)
	}
	if pg.TotalItems != 2 || len(pg.Data) != 2 {
		t.Fatalf("tag vip: totalItems %d, %d rows; want 2", pg.TotalItems, len(pg.Data))
	}

	for _, change := range []string{"n + 1", "n - 1"} {
		if _, err := mdb.ExecContext(ctx, `UPDATE enrollment_label_counts SET n = `+change+` WHERE value = 'solar'`); err != nil {
			t.Fatal(err)
		}
		err := db.IntegrityCheck(ctx)
		if change == "n + 1" && (err == nil || !strings.Contains(err.Error(), "label counters")) {
			t.Fatalf("IntegrityCheck after a label counter changed: %v", err)
		} else if change == "n - 1" && err != nil {
			t.Fatalf("IntegrityCheck after the counter was put back: %v", err)
		}
	}
}
