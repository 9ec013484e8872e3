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
// events each, all dispatched), every event past the retention. In
// events there are no endpoints; in deliveries one endpoint has a
// succeeded delivery of every event, which the sweep deletes first and
// each event's delete then looks for. It reports the events deleted a
// second, the rows (events and deliveries) deleted a second, and as a
// baseline of the same run the events the import wrote a second.
func BenchmarkDeleteExpiredEvents(b *testing.B) {
	b.Run("events", func(b *testing.B) { benchDeleteExpired(b, false) })
	b.Run("deliveries", func(b *testing.B) { benchDeleteExpired(b, true) })
}

// benchDeleteExpired is BenchmarkDeleteExpiredEvents, with an endpoint
// whose deliveries all succeeded when deliveries is set.
func benchDeleteExpired(b *testing.B, deliveries bool) {
	const rows = 20_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := newImportBench(b, "FULL")
		if deliveries {
			if err := s.db.CreateWebhookEndpoint(ctx, s.a, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/bench", Enabled: true}); err != nil {
				b.Fatal(err)
			}
		}
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
		if deliveries {
			// Delivered long ago, as far as the sweep can tell.
			if err := s.db.write(ctx, func(tx *Tx) error {
				_, err := tx.exec(`UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL`)
				return err
			}); err != nil {
				b.Fatal(err)
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
		// Every event but the newest of each instance and type, a few.
		if got.Events < 3*rows-10 || deliveries && got.Deliveries < 3*rows {
			b.Fatalf("deleted %d events and %d deliveries, want %d", got.Events, got.Deliveries, 3*rows)
		}
		b.ReportMetric(float64(got.Events)/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(got.Events+got.Deliveries)/elapsed.Seconds(), "rows/s")
		// The baseline of the same run: the events the import wrote a
		// second, with their rows.
		b.ReportMetric(float64(3*rows)/written.Seconds(), "imported-events/s")
	}
}
