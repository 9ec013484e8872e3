package sqlite_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestIdempotencyExpiry moves the store's clock past the 24 hours an
// Idempotency-Key is kept: the record no longer answers, a new claim takes
// the key afresh, and the sweep deletes what expired.
func TestIdempotencyExpiry(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()) }
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "e.db"), Engine: rules.New(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "w"}
	key, _ := enroll.NewAPIKey(ws.ID, "k", nil, nil, clock())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	first, _, err := db.ClaimIdempotencyKey(ctx, ws.ID, "k", "h1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteIdempotencyKey(ctx, ws.ID, "k", first.Token, &enroll.IdempotentResponse{Status: 201, Body: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ClaimIdempotencyKey(ctx, ws.ID, "other", "h", time.Minute); err != nil {
		t.Fatal(err)
	}

	now.Add((enroll.IdempotencyTTL - time.Second).Microseconds())
	if rec, claimed, _ := db.ClaimIdempotencyKey(ctx, ws.ID, "k", "h2", time.Minute); claimed || rec.State != enroll.IdempotencyCompleted {
		t.Fatalf("before expiry: %+v, %v", rec, claimed)
	}
	now.Add((2 * time.Second).Microseconds())
	rec, claimed, err := db.ClaimIdempotencyKey(ctx, ws.ID, "k", "h2", time.Minute)
	if err != nil || !claimed || rec.RequestHash != "h2" || rec.Token == first.Token {
		t.Fatalf("after expiry: %+v, %v, %v", rec, claimed, err)
	}
	n, err := db.DeleteExpiredIdempotencyKeys(ctx, clock().Add(-enroll.IdempotencyTTL))
	if err != nil || n != 1 {
		t.Fatalf("sweep deleted %d (%v), want the one other expired key", n, err)
	}
}
