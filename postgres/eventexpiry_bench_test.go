package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// BenchmarkDeleteExpiredEvents is the SQLite store's benchmark of the
// first sweep of --event-retention, on PostgreSQL: an import of 20,000 new
// people (three events each with autoEvaluate, all dispatched), then one
// sweep of every event; in deliveries, one endpoint has a succeeded
// delivery of every event. It reports the events deleted a second, the
// rows (events and deliveries) deleted a second, and as a baseline of the
// same run the events the import wrote a second.
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
		db, a, url := benchStore(b)
		p := &enroll.Program{Slug: "solar", Name: "Solar"}
		if err := db.CreateProgram(ctx, a, p); err != nil {
			b.Fatal(err)
		}
		inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive, AutoEvaluate: true}
		if err := db.CreateInstance(ctx, a, inst); err != nil {
			b.Fatal(err)
		}
		if deliveries {
			if err := db.CreateWebhookEndpoint(ctx, a, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/bench", Enabled: true}); err != nil {
				b.Fatal(err)
			}
		}
		var file strings.Builder
		file.WriteString("firstName,lastName,email\n")
		for i := range rows {
			fmt.Fprintf(&file, "Suzie,Homeowner%d,suzie.%d@example.com\n", i, i)
		}
		dec, err := enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String()))
		if err != nil {
			b.Fatal(err)
		}
		im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
		if err := db.CreateImport(ctx, a, im); err != nil {
			b.Fatal(err)
		}
		imported := time.Now()
		if done, err := enroll.RunImport(ctx, db, a, im, dec, 0); err != nil || done.CreatedCount != rows {
			b.Fatalf("import: %v, %+v", err, done)
		}
		written := time.Since(imported)
		for {
			n, err := db.DispatchEvents(ctx, 1000, time.Second)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if deliveries {
			// Delivered long ago, as far as the sweep can tell.
			execBench(b, url, `UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL`)
		}
		execBench(b, url, `ANALYZE`)
		b.StartTimer()
		start := time.Now()
		// Every event is older than a nanosecond by now.
		got, err := db.DeleteExpiredEvents(ctx, time.Nanosecond)
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
		b.ReportMetric(float64(3*rows)/written.Seconds(), "imported-events/s")
	}
}
