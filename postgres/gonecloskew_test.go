package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestGoneAfterMoveOnSkewedReplica moves an endpoint to a new URL
// through a replica whose clock is behind the one that last changed it,
// while an attempt to its old URL, claimed before the move, is under way;
// that attempt's 410 must not disable the endpoint at its new URL
// (WebhookEndpoint.DisableGone). tx.lockedAt dates the move no earlier
// than the endpoint's updatedAt, so behind a skewed clock the move keeps
// the very updatedAt the attempt was claimed with, and DisableGone, which
// compares updatedAt for equality, took the endpoint for unchanged.
func TestGoneAfterMoveOnSkewedReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := newDatabase(t)
	behind := openDB(t, url)
	ahead, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 2,
		Clock: func() time.Time { return time.Now().Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ahead.Close() })

	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "skew"}
	key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
	if err := behind.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	ep := &enroll.WebhookEndpoint{URL: "https://old.example.com/hook", Enabled: true}
	if err := behind.CreateWebhookEndpoint(ctx, a, ep); err != nil {
		t.Fatal(err)
	}
	// The replica whose clock is ahead changes the endpoint last: its
	// updatedAt is a minute past the other replica's clock.
	if _, err := ahead.UpdateWebhookEndpoint(ctx, a, ep.ID, func(ep *enroll.WebhookEndpoint) error {
		ep.Description = "orders"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := behind.CreateProgram(ctx, a, &enroll.Program{Slug: "rebate", Name: "Rebate", Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := behind.DispatchEvents(ctx, 100, 0); err != nil {
		t.Fatal(err)
	}
	jobs, err := behind.ClaimWebhookDeliveries(ctx, time.Minute, 10, 10, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	// Moved while the attempt to the old URL runs, through the replica
	// behind.
	moved, err := behind.UpdateWebhookEndpoint(ctx, a, ep.ID, func(ep *enroll.WebhookEndpoint) error {
		ep.URL = "https://new.example.com/hook"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o := enroll.DecideOutcome(jobs[0].Delivery, enroll.DeliveryAttempt{At: time.Now(), StatusCode: 410}, func() float64 { return 0 })
	if !o.DisableEndpoint {
		t.Fatal("a 410 does not ask to disable the endpoint")
	}
	if _, err := behind.FinishWebhookDelivery(ctx, jobs[0], o); err != nil {
		t.Fatal(err)
	}
	got, err := behind.FindWebhookEndpoint(ctx, ws.ID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Enabled {
		t.Fatalf("the old URL's 410 disabled the endpoint moved to %s (updatedAt %s before the move and after it, %s): %q",
			got.URL, jobs[0].EndpointUpdatedAt, moved.UpdatedAt, got.DisabledReason)
	}
}
