package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
)

// TestKeyRevocationsOtherProcess checks that a store hears of a key
// revoked through another handle on its file, as `enroll key revoke`
// revokes one while a server runs, and that it reads the revoked keys
// from their partial index rather than the whole table.
func TestKeyRevocationsOtherProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "enroll.db")
	open := func() *DB {
		db, err := Open(ctx, Config{Path: path, Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	server, cli := open(), open()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "revocations"}
	first, _ := enroll.NewAPIKey(ws.ID, "first", nil, nil, time.Now())
	if err := cli.CreateWorkspace(ctx, ws, first); err != nil {
		t.Fatal(err)
	}
	k, _ := enroll.NewAPIKey(ws.ID, "revoked elsewhere", nil, nil, time.Now())
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: first.ID}
	if err := cli.CreateAPIKey(ctx, a, k); err != nil {
		t.Fatal(err)
	}

	revoked, done := storetest.WatchRevocations(t, ctx, server)
	if err := cli.RevokeAPIKey(ctx, a, k.ID); err != nil {
		t.Fatal(err)
	}
	storetest.ExpectRevoked(t, revoked, done, k.ID)

	var id, parent, notused int
	var detail string
	if err := server.r.QueryRowContext(ctx, "EXPLAIN QUERY PLAN "+revokedKeysQuery).Scan(&id, &parent, &notused, &detail); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(detail, "INDEX api_keys_revoked") {
		t.Errorf("revoked keys read by %q, not from api_keys_revoked", detail)
	}
}
