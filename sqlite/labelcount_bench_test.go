package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// BenchmarkListLabelTotals lists 150,000 enrollments of one instance,
// imported through RunImport, by one label, whose total (session 23,
// docs/benchmarks.md) comes from the label counters rather than a count
// of the matches: tag common on 20% of them, rare on 1%, absent on none;
// manufacturer tesla on 40%, sunpower on 0.5%. "default" (no filter) is
// the baseline of the same run.
func BenchmarkListLabelTotals(b *testing.B) {
	s := newImportBench(b, "OFF")
	ctx := context.Background()
	const rows = 150_000
	for first := 0; first < rows; first += 25_000 {
		if im := s.run(b, labelledCSV(first, 25_000), false, 0); im.CreatedCount != 25_000 {
			b.Fatalf("import = %+v", im)
		}
	}
	inst := s.inst.ID
	eligible := []enroll.Status{enroll.StatusEligible}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"default", enroll.EnrollmentFilter{ProgramInstanceID: inst}},
		{"tag=common", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "common"}},
		{"tag=common sort=updatedAt", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "common", ListParams: enroll.ListParams{Sort: enroll.SortUpdatedAsc}}},
		{"ws tag=common", enroll.EnrollmentFilter{Tag: "common"}},
		{"tag=common status=eligible", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "common", Statuses: eligible}},
		{"tag=rare", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "rare"}},
		{"ws tag=rare", enroll.EnrollmentFilter{Tag: "rare"}},
		{"tag=absent", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "absent"}},
		{"manufacturerSlug=tesla", enroll.EnrollmentFilter{ProgramInstanceID: inst, ManufacturerSlug: "tesla"}},
		{"manufacturerSlug=sunpower", enroll.EnrollmentFilter{ProgramInstanceID: inst, ManufacturerSlug: "sunpower"}},
		// Two labels: counted as before, on either build.
		{"tag=common manufacturerSlug=tesla", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "common", ManufacturerSlug: "tesla"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			total := -1
			for b.Loop() {
				p, err := s.db.ListEnrollments(ctx, s.a.WorkspaceID, c.f)
				if err != nil {
					b.Fatal(err)
				}
				total = p.TotalItems
			}
			b.ReportMetric(float64(total), "totalItems")
		})
	}
}

// labelledCSV is importCSV with labels in set proportions (see
// BenchmarkListLabelTotals).
func labelledCSV(first, n int) string {
	var b strings.Builder
	b.WriteString("identificationType,firstName,lastName,email,address.state,manufacturerSlugs,tags,parameters.account\n")
	for i := first; i < first+n; i++ {
		state := "NY"
		if i%5 == 4 {
			state = "CA"
		}
		tags := fmt.Sprintf("t%d", i%30)
		if i%5 == 0 {
			tags += "|common"
		}
		if i%100 == 7 {
			tags += "|rare"
		}
		mfr := "lg"
		switch {
		case i%5 < 2:
			mfr = "tesla"
		case i%200 == 3:
			mfr = "sunpower"
		}
		fmt.Fprintf(&b, "customerInfo,Suzie,Homeowner%d,suzie.%d@example.com,%s,%s,%s,ACC-%d\n", i, i, state, mfr, tags, i)
	}
	return b.String()
}
