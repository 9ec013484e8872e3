package http

import (
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestKeyCacheExpiry(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	k := &enroll.APIKey{ID: "k1"}
	if got, _ := c.get("h1", now); got != nil {
		t.Fatal("empty cache returned a key")
	}
	_, gen := c.get("h1", now)
	c.put("h1", k, gen, now)
	if got, _ := c.get("h1", now.Add(keyCacheTTL-time.Millisecond)); got != k {
		t.Error("key not cached within its TTL")
	}
	if got, _ := c.get("h1", now.Add(keyCacheTTL)); got != nil {
		t.Error("key cached past its TTL")
	}
}

// TestKeyCacheForget checks that forgetting a key drops it, and that a
// look-up which began before the forget (and may have read the key
// before its revocation) does not cache it.
func TestKeyCacheForget(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	k := &enroll.APIKey{ID: "k1"}
	_, gen := c.get("h1", now)
	c.put("h1", k, gen, now)
	_, stale := c.get("h2", now) // a look-up of k under way
	c.forget("k1")
	if got, _ := c.get("h1", now); got != nil {
		t.Error("forgotten key still cached")
	}
	c.put("h1", k, stale, now)
	if got, _ := c.get("h1", now); got != nil {
		t.Error("a look-up older than the forget cached the key")
	}
	_, gen = c.get("h1", now)
	c.put("h1", k, gen, now)
	if got, _ := c.get("h1", now); got != k {
		t.Error("a look-up after the forget did not cache the key")
	}
}

func TestKeyCacheBounded(t *testing.T) {
	t.Parallel()
	var c keyCache
	now := time.Now()
	for i := range keyCacheSize + 100 {
		_, gen := c.get("", now)
		c.put(fmt.Sprint("h", i), &enroll.APIKey{ID: fmt.Sprint("k", i)}, gen, now)
	}
	if n := len(c.entries); n > keyCacheSize {
		t.Errorf("%d keys cached, at most %d", n, keyCacheSize)
	}
	if got, _ := c.get(fmt.Sprint("h", keyCacheSize+99), now); got == nil {
		t.Error("the newest key was not cached")
	}
}
