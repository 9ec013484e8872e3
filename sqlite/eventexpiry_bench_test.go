package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkDeleteExpiredEvents times the first sweep of --event-retention
// over a store that never deleted: an import of 20,000 new people (three
// events each, all dispatched, no endpoints), every event past the
// retention. It reports the events deleted a second, and as a baseline
// of the same run those the import wrote a second.
func BenchmarkDeleteExpiredEvents(b *testing.B) {
	const rows = 20_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := newImportBench(b, "FULL")
		im := &enroll.Import{ProgramInstanceID: s.inst.ID, Format: enroll.FormatCSV}
		if err := s.db.CreateImport(ctx, s.a, im); err != nil {
			b.Fatal(err)
		}
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(importCSV(0, rows)))
		if err != nil {
			b.Fatal(err)
		}
		imported := time.Now()
		if done, err := enroll.RunImport(ctx, s.db, s.a, im, dec, 0); err != nil || done.CreatedCount != rows {
			b.Fatalf("import: %v, %+v", err, done)
		}
		written := time.Since(imported)
		for {
			n, err := s.db.DispatchEvents(ctx, 1000, time.Second)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		b.StartTimer()
		start := time.Now()
		// Every event is older than a nanosecond by now.
		got, err := s.db.DeleteExpiredEvents(ctx, time.Nanosecond)
		elapsed := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if got.Events < 3*rows {
			b.Fatalf("deleted %d events, want %d", got.Events, 3*rows)
		}
		b.ReportMetric(float64(got.Events)/elapsed.Seconds(), "events/s")
		// The baseline of the same run: the events the import wrote a
		// second, with their rows.
		b.ReportMetric(float64(3*rows)/written.Seconds(), "imported-events/s")
	}
}
