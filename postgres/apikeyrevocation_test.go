package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestReplicasKeyRevocation checks that a replica hears of a key revoked
// through another one: the notification travels with the commit.
func TestReplicasKeyRevocation(t *testing.T) {
	t.Parallel()
	r := newReplicas(t)
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	revoked, done := storetest.WatchRevocations(t, ctx, r.dbs[0])

	k, _ := enroll.NewAPIKey(r.a.WorkspaceID, "elsewhere", nil, nil, time.Now())
	if err := r.dbs[1].CreateAPIKey(r.ctx, r.a, k); err != nil {
		t.Fatal(err)
	}
	if err := r.dbs[1].RevokeAPIKey(r.ctx, r.a, k.ID); err != nil {
		t.Fatal(err)
	}
	storetest.ExpectRevoked(t, revoked, done, k.ID)
}

// TestKeyRevocationWatchLost checks that a watch whose connection dies
// returns its error rather than waiting forever: the caller must then
// forget every cached key, since revocations may be missed until it
// watches again, which works at once.
func TestKeyRevocationWatchLost(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, done := storetest.WatchRevocations(t, ctx, db)

	admin(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = '`+cfg.Database+`' AND query = 'LISTEN "enroll_api_key_revoked"'`)
	select {
	case err := <-done:
		if err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("WatchKeyRevocations after its connection died = %v, want its error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("WatchKeyRevocations still waiting on a dead connection")
	}
	storetest.WatchRevocations(t, ctx, db)
}
