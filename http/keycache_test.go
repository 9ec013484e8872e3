package http_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// countingStore counts the API key look-ups authentication makes.
type countingStore struct {
	testStore
	finds atomic.Int64
}

// FindAPIKeyByHash counts, then looks the key up.
func (s *countingStore) FindAPIKeyByHash(ctx context.Context, hash string) (*enroll.APIKey, error) {
	s.finds.Add(1)
	return s.testStore.FindAPIKeyByHash(ctx, hash)
}

// newCountingEnv is newEnv with its server's key look-ups counted.
func newCountingEnv(t *testing.T) (*env, *countingStore) {
	t.Helper()
	var cs *countingStore
	e := newEnvWith(t, func(c *enrollhttp.Config) {
		cs = &countingStore{testStore: c.Store.(testStore)}
		c.Store = cs
	})
	return e, cs
}

// TestKeyCache checks that a key is looked up once for many requests, that
// an unknown secret is not cached (a key created next works at once), and
// that revoking a key through the API refuses it at once even though it
// was cached.
func TestKeyCache(t *testing.T) {
	t.Parallel()
	e, cs := newCountingEnv(t)
	for range 20 {
		e.do("GET", "/v1/programs", nil).expect(200)
	}
	if n := cs.finds.Load(); n != 1 {
		t.Errorf("%d look-ups for 20 requests with one key, want 1", n)
	}

	created := e.do("POST", "/v1/apiKeys", map[string]any{"name": "second"}).expect(201).obj()
	secret, id := created["secret"].(string), created["id"].(string)
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
	e.do("DELETE", "/v1/apiKeys/"+id, nil).expect(204)
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(401)

	// An unknown secret is looked up each time, and works once stored.
	key, unknown := enroll.NewAPIKey(e.wsID, "later", nil, nil, time.Now())
	before := cs.finds.Load()
	e.do("GET", "/v1/programs", nil, withKey(unknown)).expect(401)
	e.do("GET", "/v1/programs", nil, withKey(unknown)).expect(401)
	if n := cs.finds.Load() - before; n != 2 {
		t.Errorf("%d look-ups for 2 requests with an unknown secret, want 2", n)
	}
	if err := e.store.CreateAPIKey(context.Background(), enroll.Actor{WorkspaceID: e.wsID}, key); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/v1/programs", nil, withKey(unknown)).expect(200)
}

// TestKeyCache_RevokedElsewhere checks the delay with a store that cannot
// report revocations (countingStore hides the real one's
// enroll.KeyRevocationWatcher): a key revoked outside this server
// (another replica, `enroll key revoke`) still works here while it is
// cached, and never longer than the cache keeps it (checked in
// TestKeyCacheExpiry).
func TestKeyCache_RevokedElsewhere(t *testing.T) {
	t.Parallel()
	e, _ := newCountingEnv(t)
	created := e.do("POST", "/v1/apiKeys", map[string]any{"name": "elsewhere"}).expect(201).obj()
	secret, id := created["secret"].(string), created["id"].(string)
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
	if err := e.store.RevokeAPIKey(context.Background(), enroll.Actor{WorkspaceID: e.wsID}, id); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
}

// TestKeyCache_RevokedByAnotherProcess checks that a key revoked outside
// this server, while cached here for an hour, is refused once the store
// reports the revocation (a second on SQLite, a notification on
// PostgreSQL), long before the cache entry would expire.
func TestKeyCache_RevokedByAnotherProcess(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *enrollhttp.Config) { c.KeyCacheTTL = time.Hour })
	created := e.do("POST", "/v1/apiKeys", map[string]any{"name": "elsewhere"}).expect(201).obj()
	secret, id := created["secret"].(string), created["id"].(string)
	e.do("GET", "/v1/programs", nil, withKey(secret)).expect(200)
	if err := e.store.RevokeAPIKey(context.Background(), enroll.Actor{WorkspaceID: e.wsID}, id); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := e.do("GET", "/v1/programs", nil, withKey(secret))
		if r.Status == 401 {
			break
		}
		r.expect(200)
		if time.Now().After(deadline) {
			t.Fatal("a key revoked by another process still works after 15 s")
		}
	}
	e.do("GET", "/v1/programs", nil).expect(200)
}
