package postgres_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
)

// BenchmarkClaimBacklogJIT claims from TestClaimBacklogNotJITCompiled's
// backlog with the store's settings, and in the same iteration with a
// store whose URL sets jit = on, as PostgreSQL's default is; it reports
// the claim's time with JIT against its time without (x-jit): over 100 on
// PostgreSQL 15, where JIT compiles the claim for a second.
func BenchmarkClaimBacklogJIT(b *testing.B) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if !jitOn(b, conn) {
		b.Skip("the server cannot JIT-compile queries, or has jit off")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("jit", "on")
	u.RawQuery = q.Encode()
	var stores []*postgres.DB
	for _, s := range []string{dbURL, u.String()} {
		db, err := postgres.Open(ctx, postgres.Config{URL: s, Engine: rules.New(), MaxConns: 2})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		stores = append(stores, db)
	}
	claimBacklog(b, conn)
	// The first claim leases 64 deliveries and leaves the endpoint no
	// room; the later claims' plans cost the same.
	if _, err := stores[0].ClaimWebhookDeliveries(ctx, time.Hour, 193, 64, 192); err != nil {
		b.Fatal(err)
	}
	var took [2]time.Duration
	for b.Loop() {
		for i, db := range stores {
			start := time.Now()
			if _, err := db.ClaimWebhookDeliveries(ctx, time.Hour, 193, 64, 192); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(start)
		}
	}
	b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "x-jit")
}
