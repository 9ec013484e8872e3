package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testAPIKeyMakers checks that a key records the key whose request made
// it (none for the CLI's), and that RevokeAPIKeys revokes several keys
// at once, or, when one is not the workspace's, none.
func testAPIKeyMakers(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	newKey := func(a enroll.Actor) (*enroll.APIKey, string) {
		t.Helper()
		k, secret := enroll.NewAPIKey(f.a.WorkspaceID, "k", nil, nil, time.Now())
		if err := f.s.CreateAPIKey(f.ctx, a, k); err != nil {
			t.Fatal(err)
		}
		return k, secret
	}
	made, madeSecret := newKey(f.a)
	// A maker set by the caller is not what is recorded: the actor's key is.
	forged, _ := enroll.NewAPIKey(f.a.WorkspaceID, "forged", nil, nil, time.Now())
	forged.CreatedBy = &made.ID
	if err := f.s.CreateAPIKey(f.ctx, enroll.Actor{WorkspaceID: f.a.WorkspaceID}, forged); err != nil {
		t.Fatal(err)
	}
	grand, grandSecret := newKey(enroll.Actor{WorkspaceID: f.a.WorkspaceID, KeyID: made.ID})
	makers := map[string]string{}
	for _, k := range must(f.s.ListAPIKeys(f.ctx, f.a.WorkspaceID)) {
		makers[k.ID] = k.MadeBy()
	}
	want := map[string]string{f.keyID: "", made.ID: f.keyID, forged.ID: "", grand.ID: made.ID}
	for id, maker := range want {
		if got, ok := makers[id]; !ok || got != maker {
			t.Fatalf("maker of %s = %q, want %q (all: %v)", id, got, maker, makers)
		}
	}
	if got := must(f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret(grandSecret))); got.MadeBy() != made.ID {
		t.Fatalf("FindAPIKeyByHash: maker %q", got.MadeBy())
	}

	other := newFixtureOn(t, f.s)
	wantCode(t, f.s.RevokeAPIKeys(f.ctx, f.a, []string{made.ID, other.keyID}), enroll.ENOTFOUND)
	wantCode(t, f.s.RevokeAPIKeys(f.ctx, f.a, []string{made.ID, "missing"}), enroll.ENOTFOUND)
	if got := must(f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret(madeSecret))); got.RevokedAt != nil {
		t.Fatal("a refused RevokeAPIKeys revoked a key")
	}
	if err := f.s.RevokeAPIKeys(f.ctx, f.a, []string{made.ID, grand.ID}); err != nil {
		t.Fatal(err)
	}
	// Again, with a key revoked already: no error, its time kept.
	first := must(f.s.FindAPIKeyByHash(f.ctx, enroll.HashSecret(madeSecret))).RevokedAt
	if err := f.s.RevokeAPIKeys(f.ctx, f.a, []string{made.ID, forged.ID}); err != nil {
		t.Fatal(err)
	}
	for _, k := range must(f.s.ListAPIKeys(f.ctx, f.a.WorkspaceID)) {
		if revoked := k.RevokedAt != nil; revoked != (k.ID != f.keyID) {
			t.Fatalf("key %s revoked at %v", k.ID, k.RevokedAt)
		}
		if k.ID == made.ID && !k.RevokedAt.Equal(*first) {
			t.Fatalf("revoked again at %v, first at %v", k.RevokedAt, first)
		}
	}
	if got := must(other.s.FindAPIKeyByHash(other.ctx, enroll.HashSecret(grandSecret))); got.RevokedAt == nil {
		t.Fatal("grand not revoked")
	}
	// A revoked key makes no key: its request may have been let in just
	// before the revocation, which then could not find what it made.
	late, _ := enroll.NewAPIKey(f.a.WorkspaceID, "late", nil, nil, time.Now())
	wantCode(t, f.s.CreateAPIKey(f.ctx, enroll.Actor{WorkspaceID: f.a.WorkspaceID, KeyID: made.ID}, late), enroll.EUNAUTHORIZED)
	for _, k := range must(f.s.ListAPIKeys(f.ctx, f.a.WorkspaceID)) {
		if k.ID == late.ID {
			t.Fatal("a revoked key's key was stored")
		}
	}
}
