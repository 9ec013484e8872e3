package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkListEnrollmentsFiltered lists 20,000 enrollments of one
// instance by the filters that walked the whole instance before session 14
// (docs/benchmarks.md); "default" (the newest page, read in index order)
// is the baseline of the same run: each filter should cost about as much.
func BenchmarkListEnrollmentsFiltered(b *testing.B) {
	s := newImportBench(b, "OFF")
	ctx := context.Background()
	const rows = 20_000
	s.run(b, importCSV(0, rows), false, 0)
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	inst := s.inst.ID
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"default", enroll.EnrollmentFilter{ProgramInstanceID: inst}},
		{"email", enroll.EnrollmentFilter{ProgramInstanceID: inst, Email: "suzie.12345@example.com"}},
		{"referenceId", enroll.EnrollmentFilter{ProgramInstanceID: inst, ReferenceID: "REF-12345"}},
		{"workspace email", enroll.EnrollmentFilter{Email: "suzie.12345@example.com"}},
		{"updatedAfter", enroll.EnrollmentFilter{ProgramInstanceID: inst, UpdatedAfter: &since}},
		// 4,000 ineligible (every fifth row): few enough to sort.
		{"ineligible sort=updatedAt", enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: []enroll.Status{enroll.StatusIneligible},
			ListParams: enroll.ListParams{Sort: enroll.SortUpdatedAsc}}},
		{"workspace ineligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusIneligible}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := s.db.ListEnrollments(ctx, s.a.WorkspaceID, c.f)
				if err != nil || len(p.Data) == 0 {
					b.Fatal(len(p.Data), err)
				}
			}
		})
	}
}
