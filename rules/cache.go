package rules

import (
	"container/list"
	"sync"

	"github.com/enrollhq/enroll"
)

// key identifies a ruleset: a hash of its rules' names and expressions.
// Entries are checked against the rules, so keys need not be unique.
type key = uint64

// cache is a bounded least-recently-used map from ruleset key to compiled
// ruleset. Rules change rarely, so a small cache keeps compilation off the
// request path; the bound keeps edited-away rulesets from piling up.
// Concurrent misses on one key compile once: the first compiles, the others
// wait for its result.
type cache struct {
	mu      sync.Mutex
	max     int
	order   *list.List // of *cacheEntry, most recently used first
	items   map[key]*list.Element
	pending map[key]*compilation
}

type cacheEntry struct {
	key key
	rs  *ruleset
}

// compilation is a compile in progress; done closes when rs is set.
type compilation struct {
	done chan struct{}
	rs   *ruleset
}

func newCache(max int) *cache {
	return &cache{max: max, order: list.New(), items: map[key]*list.Element{}, pending: map[key]*compilation{}}
}

// get returns the ruleset of rules cached under k, calling compile on a
// miss. A ruleset cached under k for other rules (a hash collision) is a
// miss, and the new one replaces it.
func (c *cache) get(k key, rules []enroll.Rule, compile func() *ruleset) *ruleset {
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		if rs := el.Value.(*cacheEntry).rs; rs.matches(rules) {
			c.order.MoveToFront(el)
			c.mu.Unlock()
			return rs
		}
	}
	if p, ok := c.pending[k]; ok {
		c.mu.Unlock()
		<-p.done
		if p.rs != nil && p.rs.matches(rules) {
			return p.rs
		}
		return compile() // the other compile panicked or was for other rules; compile on our own
	}
	p := &compilation{done: make(chan struct{})}
	c.pending[k] = p
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, k)
		if p.rs != nil {
			c.add(k, p.rs)
		}
		c.mu.Unlock()
		close(p.done)
	}()
	p.rs = compile()
	return p.rs
}

// add stores rs under k, evicting the least recently used entries beyond
// the bound. The caller holds c.mu.
func (c *cache) add(k key, rs *ruleset) {
	if el, ok := c.items[k]; ok {
		el.Value.(*cacheEntry).rs = rs
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&cacheEntry{key: k, rs: rs})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
