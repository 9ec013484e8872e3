package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
)

// BenchmarkWorkspaceLastName lists the workspace of BenchmarkListScale's
// data (fillListScale: 100,000 enrollments made in SQL, analyzed; or the
// database ENROLL_BENCH_LIST_URL names) across its instances by
// lastName:
//
//   - "export ...": every matching enrollment in keyset pages of 500
//     read in one snapshot, without totals, as a CSV export reads them
//     (http/export.go); "export -createdAt", read in an index's order, is
//     the baseline of the same run;
//   - "page=800 ...": the offset page of 50 at 40,000, its total
//     included; "page=800 -createdAt" is the baseline;
//   - "token@40000 ...": the keyset page of 50 after the 40,000th.
func BenchmarkWorkspaceLastName(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("ENROLL_BENCH_LIST_URL")
	if url == "" {
		url = pgtest.NewDatabase(b)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	if os.Getenv("ENROLL_BENCH_LIST_URL") == "" {
		fillListScale(b, ctx, db, conn)
	}
	var ws string
	if err := conn.QueryRow(ctx, `SELECT workspace_id FROM enrollment_counts GROUP BY 1 ORDER BY sum(n) DESC LIMIT 1`).Scan(&ws); err != nil {
		b.Fatal(err)
	}
	st := func(s ...enroll.Status) []enroll.Status { return s }
	byName := enroll.ListParams{Sort: enroll.SortLastName}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"export -createdAt", enroll.EnrollmentFilter{}},
		{"export lastName", enroll.EnrollmentFilter{ListParams: byName}},
		{"export lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: byName}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				snap, release, err := db.Snapshot(ctx)
				if err != nil {
					b.Fatal(err)
				}
				f := c.f
				f.PerPage, f.NoTotal = enroll.MaxPerPage, true
				n = 0
				for {
					p, err := db.ListEnrollments(snap, ws, f)
					if err != nil {
						release()
						b.Fatal(err)
					}
					n += len(p.Data)
					if p.NextPageToken == "" {
						break
					}
					f.PageToken = string(p.NextPageToken)
				}
				release()
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"page=800 -createdAt", enroll.EnrollmentFilter{}},
		{"page=800 lastName", enroll.EnrollmentFilter{ListParams: byName}},
		{"page=800 lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: byName}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.f.Page, c.f.PerPage = 800, 50
			for b.Loop() {
				if p, err := db.ListEnrollments(ctx, ws, c.f); err != nil || len(p.Data) != 50 {
					b.Fatal(err)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"token@40000 lastName", enroll.EnrollmentFilter{ListParams: byName}},
		{"token@40000 lastName status=eligible", enroll.EnrollmentFilter{Statuses: st(enroll.StatusEligible), ListParams: byName}},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := c.f
			f.Page, f.PerPage, f.NoTotal = 799, 50, true
			p, err := db.ListEnrollments(ctx, ws, f)
			if err != nil || p.NextPageToken == "" {
				b.Fatal(err)
			}
			c.f.PerPage, c.f.PageToken = 50, string(p.NextPageToken)
			for b.Loop() {
				if p, err := db.ListEnrollments(ctx, ws, c.f); err != nil || len(p.Data) != 50 {
					b.Fatal(err)
				}
			}
		})
	}
}
