package http

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/enrollhq/enroll"
)

// Bounds of the key cache. A key found by authentication is trusted for
// keyCacheTTL without another look-up (the look-up was a fifth of a GET's
// cost). A revocation through this server's API applies at once; one made
// elsewhere (another replica, `enroll key revoke`) applies when the store
// reports it (watchRevocations) or, should that fail, when the entry
// expires.
const (
	keyCacheTTL  = 5 * time.Second
	keyCacheSize = 1024
)

// keyCache holds the keys authentication found, by the hash of their
// secret, for ttl (keyCacheTTL when 0). Unknown secrets are not cached, so
// a new key works at once; a revoked key is forgotten at once.
type keyCache struct {
	ttl time.Duration

	mu sync.Mutex
	// gen counts forgets: a look-up that began before one may have read
	// the key before its revocation, and must not cache it (put).
	gen     uint64
	entries map[string]cachedKey
}

type cachedKey struct {
	key     *enroll.APIKey
	expires time.Time
}

// get returns the live cached key for hash, or nil and the generation to
// give put with the key looked up.
func (c *keyCache) get(hash string, now time.Time) (*enroll.APIKey, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok && now.Before(e.expires) {
		return e.key, c.gen
	}
	return nil, c.gen
}

// put caches k, found by a look-up that began at generation gen, unless a
// key was forgotten since. Cached keys are shared by requests: nothing
// may change them.
func (c *keyCache) put(hash string, k *enroll.APIKey, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil {
		c.entries = map[string]cachedKey{}
	}
	if len(c.entries) >= keyCacheSize {
		for h, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, h)
			}
		}
		// Still full of live keys: make room at random (map order).
		for h := range c.entries {
			if len(c.entries) < keyCacheSize {
				break
			}
			delete(c.entries, h)
		}
	}
	c.entries[hash] = cachedKey{key: k, expires: now.Add(cmp.Or(c.ttl, keyCacheTTL))}
}

// forget drops key id from the cache, after its revocation committed.
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.entries {
		if e.key.ID == id {
			delete(c.entries, h)
		}
	}
}

// forgetAll empties the cache, when revocations may have gone unreported.
func (c *keyCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// watchRevocations forgets the keys the store reports revoked by other
// processes, until ctx is done. While the watch is down (the database is
// unreachable), cached keys expire as usual, and the cache is emptied each
// time the watch starts again, since it may have missed revocations.
func (s *Server) watchRevocations(ctx context.Context, w enroll.KeyRevocationWatcher) {
	keys := &s.touches.keys
	s.keepWatching(ctx, "API key revocations", "key_revocations", func(ctx context.Context, ready func()) error {
		return w.WatchKeyRevocations(ctx, func() { keys.forgetAll(); ready() }, keys.forget)
	})
}
