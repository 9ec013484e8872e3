package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func testWorkspace(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	ws := must(f.s.FindWorkspace(f.ctx, f.a.WorkspaceID))
	if byName := must(f.s.FindWorkspace(f.ctx, ws.Name)); byName.ID != ws.ID {
		t.Fatalf("FindWorkspace by name = %s, want %s", byName.ID, ws.ID)
	}
	if ws.CreatedAt.IsZero() {
		t.Fatal("CreatedAt not set")
	}
	err := f.s.CreateWorkspace(f.ctx, &enroll.Workspace{ID: enroll.NewID(), Name: ws.Name}, nil)
	wantCode(t, err, enroll.ECONFLICT)
	_, err = f.s.FindWorkspace(f.ctx, "nope")
	wantCode(t, err, enroll.ENOTFOUND)
	wantCode(t, f.s.CreateWorkspace(f.ctx, &enroll.Workspace{ID: enroll.NewID()}, nil), enroll.EINVALID)
	// A name of an id's form could be another workspace's id, which
	// FindWorkspace looks up first.
	wantCode(t, f.s.CreateWorkspace(f.ctx, &enroll.Workspace{ID: enroll.NewID(), Name: enroll.NewID()}, nil), enroll.EINVALID)
	if byName := must(f.s.FindWorkspaceByName(f.ctx, ws.Name)); byName.ID != ws.ID {
		t.Fatalf("FindWorkspaceByName = %s, want %s", byName.ID, ws.ID)
	}
	_, err = f.s.FindWorkspaceByName(f.ctx, ws.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	if n := must(f.s.CountWorkspaces(f.ctx)); n != 1 {
		t.Fatalf("CountWorkspaces = %d, want 1", n)
	}
}

func testAPIKey(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	k, secret := enroll.NewAPIKey(f.a.WorkspaceID, "reader", []enroll.Scope{enroll.ScopeEnrollmentsRead}, []string{"abc"}, time.Now())
	if err := f.s.CreateAPIKey(f.ctx, f.a, k); err != nil {
		t.Fatal(err)
	}
	got := must(f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret(secret)))
	if got.ID != k.ID || got.WorkspaceID != f.a.WorkspaceID || got.Kind != enroll.KeyScoped ||
		!got.Has(enroll.ScopeEnrollmentsRead) || got.Has(enroll.ScopeEnrollmentsWrite) || !got.SeesInstance("abc") || got.SeesInstance("def") {
		t.Fatalf("FindAPIKeyByHash = %+v", got)
	}
	if got.Hash == secret || got.Hash == "" {
		t.Fatal("the secret must be stored hashed")
	}
	_, err := f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret("sk_unknown"))
	wantCode(t, err, enroll.ENOTFOUND)

	used := time.Now().UTC().Truncate(time.Second)
	if err := f.s.TouchAPIKey(f.ctx, k.ID, used); err != nil {
		t.Fatal(err)
	}
	keys := must(f.s.ListAPIKeys(f.ctx, f.a.WorkspaceID))
	if len(keys) != 2 || keys[0].ID != k.ID || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(used) {
		t.Fatalf("ListAPIKeys = %+v", keys)
	}
	if err := f.s.RevokeAPIKey(f.ctx, f.a, k.ID); err != nil {
		t.Fatal(err)
	}
	if got := must(f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret(secret))); got.RevokedAt == nil {
		t.Fatal("revoked key has no RevokedAt")
	}
	wantCode(t, f.s.RevokeAPIKey(f.ctx, f.a, "missing"), enroll.ENOTFOUND)
	bad, _ := enroll.NewAPIKey(f.a.WorkspaceID, "bad", []enroll.Scope{"nope:read"}, nil, time.Now())
	wantCode(t, f.s.CreateAPIKey(f.ctx, f.a, bad), enroll.EINVALID)

	other := newFixtureOn(t, f.s)
	wantCode(t, other.s.RevokeAPIKey(other.ctx, other.a, k.ID), enroll.ENOTFOUND)
}
