package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkListEnrollmentsFiltered lists 20,000 enrollments of one
// instance by the filters that walked the whole instance before session 14
// (docs/benchmarks.md), and by q, half of them named Mary Ann van der
// Homeowner<n> (importCSVNames): "default" (the newest page, read in
// index order) is the baseline of the same run: each filter should cost
// about as much, but a q that many match, whose total counts them.
func BenchmarkListEnrollmentsFiltered(b *testing.B) {
	s := newImportBench(b, "OFF")
	ctx := context.Background()
	const rows = 20_000
	s.run(b, importCSVNames(0, rows, true), false, 0)
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
		// Homeowner1234 begins 11 last names and a later word of 11 more.
		{"q=homeowner1234", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "homeowner1234"}},
		{"workspace q=homeowner1234", enroll.EnrollmentFilter{Q: "homeowner1234"}},
		{"q=der homeowner1235", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "der homeowner1235"}},
		{"q=mary ann van der homeowner12345", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "mary ann van der homeowner12345"}},
		// Later words of 10,000: many, the page walked, the total counted.
		{"q=ann", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "ann"}},
		{"q=suzie", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "suzie"}},
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
