package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// BenchmarkClaimWebhookDeliveries claims 32 deliveries (8 at most per
// endpoint) from a queue of 50,000 due ones: 250 endpoints in 5
// workspaces, 50 streams each, 4 deliveries a stream: the PostgreSQL side
// of the SQLite store's benchmark of the same name, with the same layouts
// (fresh, blocked, held, slow, workspace). The lease is a microsecond, so
// every claim finds the same queue. Nothing is analyzed: right after a burst fills
// the queue, autovacuum has not yet told the planner about it.
func BenchmarkClaimWebhookDeliveries(b *testing.B) {
	for _, layout := range []string{"fresh", "blocked", "held", "slow", "workspace"} {
		b.Run(layout, func(b *testing.B) {
			ctx := context.Background()
			db, a, url := benchStore(b)
			for w := range 5 {
				wa := a
				if w > 0 {
					ws := &enroll.Workspace{ID: enroll.NewID(), Name: fmt.Sprintf("bench-%d", w)}
					key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
					if err := db.CreateWorkspace(ctx, ws, key); err != nil {
						b.Fatal(err)
					}
					wa = enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
				}
				for range 50 {
					if err := db.CreateWebhookEndpoint(ctx, wa, &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + enroll.NewID(), Enabled: true}); err != nil {
						b.Fatal(err)
					}
				}
			}
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			// As in the SQLite benchmark: delivery g goes to endpoint
			// g % 250, stream g % 12500; blocked and held put endpoints
			// below 125 first in due order, their heads retrying.
			if _, err := conn.Exec(ctx, `INSERT INTO events (id, workspace_id, type, object_id, doc, created_at, dispatched, dispatch_seq)
				SELECT 'ev' || g, 'bench', 'enrollment.created', 'o' || (g % 12500), jsonb_build_object('id', 'ev' || g, 'type', 'enrollment.created'),
					now(), true, g FROM generate_series(1, 50000) g`); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO webhook_deliveries (id, workspace_id, endpoint_id, event_id, stream, event_seq, status,
					next_attempt_at, doc, created_at, updated_at)
				SELECT 'whd' || g, eps.workspace_id, eps.id, 'ev' || g, 's' || (g % 12500), g, 'pending',
					CASE WHEN $1 AND eps.i < 125 AND (g <= 12500 OR $2) THEN now() + interval '1 hour'
						WHEN $1 AND eps.i < 125 THEN now() - interval '1 hour' + g * interval '1 microsecond'
						WHEN $3 AND eps.i = 0 THEN now() - interval '1 hour' + g * interval '1 microsecond'
						WHEN $4 AND eps.i < 50 THEN now() - interval '1 hour' + g * interval '1 microsecond'
						ELSE now() - interval '1 hour' + (50000 + g) * interval '1 microsecond' END,
					jsonb_build_object('id', 'whd' || g, 'endpointId', eps.id, 'eventId', 'ev' || g, 'eventType', 'enrollment.created',
						'status', 'pending', 'attemptCount', 0, 'attempts', '[]'::jsonb),
					now(), now()
				FROM generate_series(1, 50000) g
				JOIN (SELECT workspace_id, id, row_number() OVER (ORDER BY id) - 1 AS i FROM webhook_endpoints) eps ON eps.i = g % 250`,
				layout == "blocked" || layout == "held", layout == "held", layout == "slow", layout == "workspace"); err != nil {
				b.Fatal(err)
			}
			if layout == "slow" {
				if _, err := conn.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = now() + interval '1 hour' WHERE seq IN (
					SELECT seq FROM webhook_deliveries WHERE endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE event_seq = 250)
					ORDER BY seq LIMIT 8)`); err != nil {
					b.Fatal(err)
				}
			}
			perWorkspace := 256
			if layout == "workspace" {
				perWorkspace = 24
				if _, err := conn.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = now() + interval '1 hour' WHERE seq IN (
					SELECT seq FROM webhook_deliveries WHERE workspace_id = (SELECT workspace_id FROM webhook_deliveries WHERE event_seq = 250)
					ORDER BY seq LIMIT 24)`); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				jobs, err := db.ClaimWebhookDeliveries(ctx, time.Microsecond, 32, 8, perWorkspace)
				if err != nil {
					b.Fatal(err)
				}
				if len(jobs) != 32 {
					b.Fatalf("claimed %d, want 32", len(jobs))
				}
			}
		})
	}
}
