package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkUpdateInstanceRules changes an instance's rules to three rules
// near the cost limit each time, whose check tries each on the probes
// (about 0.4 s here): writer-ms/op is how long SQLite's writer, every
// workspace's writes, was held for it.
func BenchmarkUpdateInstanceRules(b *testing.B) {
	s := newBenchStore(b, "FULL")
	ctx := context.Background()
	w0, cpu0 := s.db.WriterStats(), cpuTime()
	for i := 0; b.Loop(); i++ {
		rs := make([]enroll.Rule, 3)
		for j := range rs {
			// A bound that changes at each update, so each changes the rules.
			rs[j] = enroll.Rule{Name: fmt.Sprint("heavy", j), Expression: fmt.Sprintf(`lists.range(300).all(i, lists.range(300).all(j, j >= -%d && enrollment.firstName != "zz"))`, i+1)}
		}
		_, err := s.db.UpdateInstance(ctx, s.a, s.inst, func(in *enroll.ProgramInstance) error { in.EligibilityRules = rs; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	w := s.db.WriterStats()
	b.ReportMetric((w.BusySeconds-w0.BusySeconds)*1000/float64(b.N), "writer-ms/op")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
