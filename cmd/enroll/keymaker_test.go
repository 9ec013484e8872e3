package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// TestKeyMakers checks enroll key list --created-by and the CREATED BY
// column, and that enroll key revoke revokes the keys a key made only
// with --cascade, all the way down.
func TestKeyMakers(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	// The workspace, and keys made through the API as their makers'
	// requests store them.
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlite.Config{Path: db, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "acme"}
	first, _ := enroll.NewAPIKey(ws.ID, "first", nil, nil, time.Now())
	if err := s.CreateWorkspace(ctx, ws, first); err != nil {
		t.Fatal(err)
	}
	madeBy := func(maker string) string {
		t.Helper()
		k, _ := enroll.NewAPIKey(ws.ID, "made", nil, nil, time.Now())
		if err := s.CreateAPIKey(ctx, enroll.Actor{WorkspaceID: ws.ID, KeyID: maker}, k); err != nil {
			t.Fatal(err)
		}
		return k.ID
	}
	leaked := madeBy(first.ID)
	child := madeBy(leaked)
	grandchild := madeBy(child)
	other := madeBy(first.ID)
	s.Close()

	revoked := func() map[string]bool {
		t.Helper()
		out, err := run(t, "key", "list", "--workspace", "acme", "--db", db, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var keys []enroll.APIKey
		if err := json.Unmarshal([]byte(out), &keys); err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, k := range keys {
			m[k.ID] = k.RevokedAt != nil
		}
		return m
	}
	out, err := run(t, "key", "list", "--workspace", "acme", "--db", db, "--created-by", leaked)
	if err != nil || !strings.Contains(out, "CREATED BY") || strings.Count(out, "\n") != 2 || !strings.Contains(out, child) || strings.Contains(out, grandchild) {
		t.Fatalf("key list --created-by: %v\n%s", err, out)
	}
	if out, err = run(t, "key", "revoke", leaked, "--workspace", "acme", "--db", db); err != nil || strings.Contains(out, child) {
		t.Fatalf("key revoke: %v\n%s", err, out)
	}
	if r := revoked(); !r[leaked] || r[child] || r[grandchild] {
		t.Fatalf("revoke without --cascade: %v", r)
	}
	out, err = run(t, "key", "revoke", leaked, "--cascade", "--workspace", "acme", "--db", db)
	if err != nil || !strings.Contains(out, child) || !strings.Contains(out, grandchild) {
		t.Fatalf("key revoke --cascade: %v\n%s", err, out)
	}
	if r := revoked(); !r[child] || !r[grandchild] || r[other] || r[first.ID] {
		t.Fatalf("revoke --cascade: %v", r)
	}
}
