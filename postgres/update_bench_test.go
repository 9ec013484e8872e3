package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
)

// BenchmarkUpdateEnrollment updates enrollments of one instance one at a
// time through UpdateEnrollment, as PATCHes do: "labels" swaps a tag and
// a manufacturer slug (two label counters down, two up), "name" changes
// the last name only (no label counter moves). Besides ns/op it reports
// the CPU time per update of the process and of the database's backends
// (cpuMeter): what keeping the label counters costs a write (docs/
// benchmarks.md, session 23).
func BenchmarkUpdateEnrollment(b *testing.B) {
	for _, c := range []struct {
		name   string
		change func(e *enroll.Enrollment, i int)
	}{
		{"labels", func(e *enroll.Enrollment, i int) {
			e.Tags = []string{"vip", fmt.Sprintf("t%d", i%2)}
			e.ManufacturerSlugs = []string{[]string{"tesla", "lg"}[i%2]}
		}},
		{"name", func(e *enroll.Enrollment, i int) { e.LastName = fmt.Sprintf("Homeowner%d", i%2) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			db, a, url := benchStore(b)
			p := &enroll.Program{Slug: "solar", Name: "Solar"}
			if err := db.CreateProgram(ctx, a, p); err != nil {
				b.Fatal(err)
			}
			inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive}
			if err := db.CreateInstance(ctx, a, inst); err != nil {
				b.Fatal(err)
			}
			ids := make([]string, 100)
			for i := range ids {
				e, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "Suzie", LastName: "Homeowner", Email: fmt.Sprintf("suzie.%d@example.com", i),
					Tags: []string{"vip"}, ManufacturerSlugs: []string{"lg"}})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = e.ID
			}
			execBench(b, url, `ANALYZE`)
			cpu := newCPUMeter(b, url)
			n := 0
			for b.Loop() {
				_, err := db.UpdateEnrollment(ctx, a, ids[n%len(ids)], func(e *enroll.Enrollment) error { c.change(e, n/len(ids)+1); return nil })
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			cpu.report(n)
		})
	}
}
