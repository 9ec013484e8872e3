package sqlite

import (
	"cmp"
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// lastNameBenchRows is how many enrollments BenchmarkWorkspaceLastName
// imports (ENROLL_BENCH_LASTNAME_ROWS; 156,000 by default, the size at
// which the workspace's lastName export took 62 s, docs/benchmarks.md).
var lastNameBenchRows = func() int {
	n, _ := strconv.Atoi(os.Getenv("ENROLL_BENCH_LASTNAME_ROWS"))
	return cmp.Or(n, 156_000)
}()

// BenchmarkWorkspaceLastName lists a workspace of two instances (96% of
// the enrollments in the first, as the bench/load database: a listed
// instance and one of writes), imported through RunImport (four in five
// eligible, one in five ineligible, Suzie Homeowner<n>), across its
// instances by lastName, which no index gives in that order:
//
//   - "export ...": every matching enrollment in keyset pages of 500
//     read in one snapshot, without totals, as a CSV export reads them
//     (http/export.go); "export -createdAt", read in its index's order,
//     is the baseline of the same run;
//   - "page=800 ...": the offset page of 50 at 40,000, its total
//     included; "page=800 -createdAt" is the baseline;
//   - "token@40000 ...": the keyset page of 50 after the 40,000th.
//
// ENROLL_BENCH_LASTNAME_DB names a database file to use, which is made
// and filled when it does not exist, so that builds compared take the
// same one (and a run does not import again).
func BenchmarkWorkspaceLastName(b *testing.B) {
	ctx := context.Background()
	db, ws := lastNameBenchDB(b)
	st := func(s ...enroll.Status) []enroll.Status { return s }
	export := func(b *testing.B, f enroll.EnrollmentFilter) int {
		snap, release, err := db.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer release()
		f.PerPage, f.NoTotal = enroll.MaxPerPage, true
		n := 0
		for {
			p, err := db.ListEnrollments(snap, ws, f)
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Data)
			if p.NextPageToken == "" {
				return n
			}
			f.PageToken = string(p.NextPageToken)
		}
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"export -createdAt", enroll.EnrollmentFilter{}},
		{"export lastName", enroll.EnrollmentFilter{ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
		{"export lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = export(b, c.f)
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"page=800 -createdAt", enroll.EnrollmentFilter{}},
		{"page=800 lastName", enroll.EnrollmentFilter{ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
		{"page=800 lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
		// 31,200 ineligible: page 500 is at 25,000.
		{"page=500 lastName status=ineligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusIneligible), ListParams: enroll.ListParams{Sort: enroll.SortLastName, Page: 500}}},
		{"page=800 lastName status=eligible,ineligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible, enroll.StatusIneligible),
			ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.f.Page, c.f.PerPage = cmp.Or(c.f.Page, 800), 50
			total := -1
			for b.Loop() {
				p, err := db.ListEnrollments(ctx, ws, c.f)
				if err != nil || len(p.Data) != 50 {
					b.Fatal(err)
				}
				total = p.TotalItems
			}
			b.ReportMetric(float64(total), "totalItems")
		})
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"token@40000 lastName", enroll.EnrollmentFilter{ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
		{"token@40000 lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: enroll.ListParams{Sort: enroll.SortLastName}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			// The token of the page that ends at the 40,000th.
			f := c.f
			f.Page, f.PerPage, f.NoTotal = 799, 50, true
			p, err := db.ListEnrollments(ctx, ws, f)
			if err != nil || p.NextPageToken == "" {
				b.Fatal(err)
			}
			c.f.PerPage, c.f.PageToken = 50, string(p.NextPageToken)
			for b.Loop() {
				p, err := db.ListEnrollments(ctx, ws, c.f)
				if err != nil || len(p.Data) != 50 {
					b.Fatal(err)
				}
			}
		})
	}
}

// lastNameBenchDB returns BenchmarkWorkspaceLastName's store and its
// workspace.
func lastNameBenchDB(b *testing.B) (*DB, string) {
	b.Helper()
	ctx := context.Background()
	if path := os.Getenv("ENROLL_BENCH_LASTNAME_DB"); path != "" {
		if _, err := os.Stat(path); err == nil {
			db, err := Open(ctx, Config{Path: path, Engine: rules.New()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			var ws string
			if err := db.r.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE name = 'bench'`).Scan(&ws); err != nil {
				b.Fatal(err)
			}
			return db, ws
		}
	}
	s := newImportBench(b, "OFF")
	second := &enroll.ProgramInstance{ProgramID: s.inst.ProgramID, Slug: "2027", Name: "Solar 2027", Status: enroll.InstanceActive,
		AutoEvaluate: true, EligibilityRules: importRules, Parameters: s.inst.Parameters}
	if err := s.db.CreateInstance(ctx, s.a, second); err != nil {
		b.Fatal(err)
	}
	// 96% in the first instance, the rest in the second.
	first, split := s.inst, lastNameBenchRows*24/25
	const batch = 25_000
	for n := 0; n < lastNameBenchRows; {
		end := min(n+batch, split)
		if n >= split {
			s.inst, end = second, min(n+batch, lastNameBenchRows)
		}
		if im := s.run(b, importCSV(n, end-n), false, 0); im.CreatedCount != end-n {
			b.Fatalf("import = %+v", im)
		}
		n = end
	}
	s.inst = first
	if path := os.Getenv("ENROLL_BENCH_LASTNAME_DB"); path != "" {
		if _, err := s.db.w.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			b.Fatal(err)
		}
	}
	return s.db, s.a.WorkspaceID
}
