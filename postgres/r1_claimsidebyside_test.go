package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestClaimNotificationsBesideLockedClaim: while another replica's claim
// has locked the first due notifications (its statement not yet
// committed), a claim takes the next ones rather than none, as SKIP
// LOCKED lets replicas claim side by side; a claim that comes back empty
// leaves its sender idle for a poll interval while the backlog waits.
func TestClaimNotificationsBesideLockedClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO notifications (id, workspace_id, enrollment_id, event_id, template_id, recipient, status,
			next_attempt_at, doc, created_at, updated_at)
		SELECT 'ntf' || g, 'ws' || (g % 2), 'enr' || g, 'ev' || g, 'tpl', 'r' || g || '@example.com', 'pending',
			now() - interval '1 hour' + g * interval '1 millisecond',
			jsonb_build_object('id', 'ntf' || g, 'status', 'pending', 'attempts', '[]'::jsonb), now(), now()
		FROM generate_series(1, 16) g`); err != nil {
		t.Fatal(err)
	}
	// The other replica's claim, mid-statement: its rows locked, its
	// leases not yet committed.
	other, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	if _, err := other.Exec(ctx, `SELECT seq FROM notifications ORDER BY next_attempt_at, seq LIMIT 4 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	ns, err := db.ClaimNotifications(ctx, time.Minute, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 4 {
		t.Fatalf("beside a claim holding 4 of 16 due notifications, a claim of 4 took %d, want 4 of the 12 others", len(ns))
	}
}
