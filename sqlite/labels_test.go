package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEnrollmentLabelsColumn checks the labels column's text: tokens in
// the order tags, manufacturer slugs, group ids, and NULL past
// maxLabelsBytes.
func TestEnrollmentLabelsColumn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		tags, mfrs, groups []string
		want               any
	}{
		{nil, []string{}, nil, ""},
		{[]string{"vip", "solar"}, []string{"lg"}, []string{"north"}, "\x1ft:vip\x1ft:solar\x1fm:lg\x1fg:north\x1f"},
		{nil, nil, []string{"south"}, "\x1fg:south\x1f"},
		// Two tags of 252 and 253 bytes: 3+252+3+253+1 = 512 bytes, kept.
		{[]string{strings.Repeat("a", 252), strings.Repeat("b", 253)}, nil, nil, "\x1ft:" + strings.Repeat("a", 252) + "\x1ft:" + strings.Repeat("b", 253) + "\x1f"},
		// One byte more: NULL, which every label filter lets through.
		{[]string{strings.Repeat("a", 253), strings.Repeat("b", 253)}, nil, nil, nil},
	} {
		e := &enroll.Enrollment{Tags: c.tags, ManufacturerSlugs: c.mfrs, GroupIDs: c.groups}
		if got := enrollmentLabels(e); got != c.want {
			t.Errorf("labels of %q %q %q = %q, want %q", c.tags, c.mfrs, c.groups, got, c.want)
		}
	}
}

// TestMigrateLabels checks that migration 19 fills the labels column from
// the documents with what the store writes (enrollmentLabels), values
// holding the separator, escaped characters and the length limit's both
// sides included, and that IntegrityCheck reports a labels column that
// differs from its document.
func TestMigrateLabels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newInstanceFixture(t, "labels", "OFF", &enroll.ProgramInstance{Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive,
		Groups: []enroll.Group{{ID: "north", Name: "North"}, {ID: "süd", Name: "Süd"}}})
	db, a, inst := f.db, f.a, f.inst
	for i, l := range []struct{ tags, mfrs, groups []string }{
		{},
		{[]string{"vip", "solar"}, []string{"tesla", "lg"}, []string{"north"}},
		{[]string{"x\x1ft:vip", `"quoted" \ back`, "ünï 😀", "a\tb\nc"}, []string{"lg\x1f"}, []string{"süd", "north"}},
		{[]string{strings.Repeat("a", 252), strings.Repeat("b", 253)}, nil, nil},
		{[]string{strings.Repeat("a", 253), strings.Repeat("b", 253)}, nil, nil},
		{nil, nil, []string{"süd"}},
	} {
		_, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "F", LastName: "L", Email: "p" + string(rune('a'+i)) + "@example.com",
			Tags: l.tags, ManufacturerSlugs: l.mfrs, GroupIDs: l.groups})
		if err != nil {
			t.Fatal(err)
		}
	}
	labels := func() map[string]sql.NullString {
		t.Helper()
		out := map[string]sql.NullString{}
		for _, p := range columnPairs(t, db.r, `SELECT id, labels FROM enrollments`) {
			out[p[0].String] = p[1]
		}
		return out
	}
	written := labels()
	if len(written) != 6 {
		t.Fatalf("%d enrollments", len(written))
	}
	for id, l := range written {
		e, err := db.FindEnrollment(ctx, a.WorkspaceID, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := enrollmentLabels(e); l.Valid != (want != nil) || l.Valid && l.String != want {
			t.Errorf("%s: stored labels %q, want %q", id, l.String, want)
		}
	}

	// Down to 18 (no column), up to 19: the column computed from the
	// documents.
	mdb, pr := migrationConn(t, f.path, "OFF")
	if _, err := pr.DownTo(ctx, 18); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := mdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('enrollments') WHERE name = 'labels'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("labels columns after the down migration: %d, %v", n, err)
	}
	if _, err := pr.UpTo(ctx, 19); err != nil {
		t.Fatal(err)
	}
	if got := labels(); len(got) != len(written) {
		t.Errorf("migrated %d rows, want %d", len(got), len(written))
	} else {
		for id, l := range written {
			if got[id] != l {
				t.Errorf("%s: migrated labels %q (valid %v), want %q (valid %v)", id, got[id].String, got[id].Valid, l.String, l.Valid)
			}
		}
	}
	// Up again, to the tables IntegrityCheck compares.
	if _, err := pr.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}

	// A label missing from the column hides its enrollment from the
	// filter: IntegrityCheck says so.
	if _, err := mdb.ExecContext(ctx, `UPDATE enrollments SET labels = replace(labels, 't:solar', 't:sola') WHERE labels LIKE '%t:solar%'`); err != nil {
		t.Fatal(err)
	}
	if err := db.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Fatalf("IntegrityCheck after a label was changed: %v", err)
	}
}
