package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// revocationWait bounds how long a revocation may take to be reported:
// far more than any store's delay (SQLite polls every second), far less
// than a key cache's TTL would matter for.
const revocationWait = 15 * time.Second

// WatchRevocations runs w.WatchKeyRevocations in the background until ctx
// ends, and returns once it is ready (failing t if it never is), with
// the ids it reports and, once it returns, its error. The stores' own
// tests use it to watch across two handles on one database.
func WatchRevocations(t testing.TB, ctx context.Context, w enroll.KeyRevocationWatcher) (revoked <-chan string, done <-chan error) {
	t.Helper()
	ready, ids, errc := make(chan struct{}, 1), make(chan string, 16), make(chan error, 1)
	go func() {
		errc <- w.WatchKeyRevocations(ctx, func() { ready <- struct{}{} }, func(id string) { ids <- id })
	}()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatalf("WatchKeyRevocations before ready: %v", err)
	case <-time.After(revocationWait):
		t.Fatal("WatchKeyRevocations never ready")
	}
	return ids, errc
}

// ExpectRevoked waits for a watch (WatchRevocations) to report key id,
// failing t if it reports another, stops, or says nothing in time.
func ExpectRevoked(t testing.TB, revoked <-chan string, done <-chan error, id string) {
	t.Helper()
	select {
	case got := <-revoked:
		if got != id {
			t.Fatalf("reported %s, want %s", got, id)
		}
	case err := <-done:
		t.Fatalf("WatchKeyRevocations stopped: %v", err)
	case <-time.After(revocationWait):
		t.Fatalf("the revocation of %s was not reported within %s", id, revocationWait)
	}
}

// testKeyRevocations checks enroll.KeyRevocationWatcher: ready once the
// watch is set up, every key revoked after it reported (of any workspace,
// revoked before or after others), nothing before it, and a prompt return
// with ctx's error when ctx ends.
func testKeyRevocations(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	w, ok := f.s.(enroll.KeyRevocationWatcher)
	if !ok {
		t.Skipf("%T does not implement enroll.KeyRevocationWatcher", f.s)
	}
	other := newFixtureOn(t, f.s)
	newKey := func(fx *fixture) string {
		k, _ := enroll.NewAPIKey(fx.a.WorkspaceID, "watched", nil, nil, time.Now())
		if err := fx.s.CreateAPIKey(fx.ctx, fx.a, k); err != nil {
			t.Fatal(err)
		}
		return k.ID
	}
	before, first, second := newKey(f), newKey(f), newKey(other)
	if err := f.s.RevokeAPIKey(f.ctx, f.a, before); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	revoked, done := WatchRevocations(t, ctx, w)

	if err := f.s.RevokeAPIKey(f.ctx, f.a, first); err != nil {
		t.Fatal(err)
	}
	if err := other.s.RevokeAPIKey(other.ctx, other.a, second); err != nil {
		t.Fatal(err)
	}
	// Revoking again changes nothing, and may or may not be reported.
	if err := f.s.RevokeAPIKey(f.ctx, f.a, first); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{first: true, second: true}
	deadline := time.After(revocationWait)
	for len(want) > 0 {
		select {
		case id := <-revoked:
			if id == before {
				t.Errorf("key %s, revoked before ready, reported", id)
			}
			delete(want, id)
		case err := <-done:
			t.Fatalf("WatchKeyRevocations stopped: %v", err)
		case <-deadline:
			t.Fatalf("revocations of %v not reported within %s", want, revocationWait)
		}
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WatchKeyRevocations after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(revocationWait):
		t.Fatal("WatchKeyRevocations did not return after its context ended")
	}
}
