package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// TestMigrateNameWordParts: an enrollment stored before migration 25 is
// found by the parts of its names after hyphens and apostrophes once it
// has run ("luc" finds Jean-Luc, "brien" O'Brien, though Jean-Luc holds
// no space), and no longer once it is rolled back.
func TestMigrateNameWordParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	open, migrateTo := migrationHarness(url)
	db := open(t).(*postgres.DB)
	defer db.Close()
	a, inst := importInstance(t, db)
	e, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Jean-Luc", LastName: "O'Brien", Email: "jlob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	found := func(q string) bool {
		t.Helper()
		p, err := db.ListEnrollments(ctx, a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Q: q})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Data) == 1 && p.Data[0].ID == e.ID && p.TotalItems == 1
	}
	for _, c := range []struct {
		version int64
		parts   bool
	}{{22, false}, {25, true}} {
		migrateTo(t, c.version)
		for _, q := range []string{"luc", "brien", "luc brien"} {
			if got := found(q); got != c.parts {
				t.Errorf("at migration %d: q=%s finds Jean-Luc O'Brien: %v, want %v", c.version, q, got, c.parts)
			}
		}
		for _, q := range []string{"jean-luc", "o'brien"} {
			if !found(q) {
				t.Errorf("at migration %d: q=%s does not find Jean-Luc O'Brien", c.version, q)
			}
		}
	}
}
