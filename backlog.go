package enroll

import (
	"slices"
	"strings"
	"sync"
)

// Bounds of a Backlogs: scopes remembered, and counts per scope (one per
// consumer polling it, about).
const (
	backlogScopes    = 1024
	backlogsPerScope = 16
)

// Backlogs remembers the backlogs a store counted for polls with ?after=
// (EventFilter.After), so that the next poll of a consumer counts only the
// events between its two cursors and those published since, not its whole
// backlog again. Catching up on 300,000 events a page at a time counted
// each page's backlog, 13.6 ms at the first page; the same walk now costs
// each page its own events. The arithmetic is exact, not an estimate: the
// events up to a store's head (the last published, in publication order)
// never change, as publication numbers them in commit order, but for the
// events DeleteExpiredEvents deletes, after which the store calls Forget.
// (A replica on PostgreSQL forgets when its own sweep runs: until then, a
// poller lagging by more than the retention may read a backlog counting
// events another replica deleted.) The zero value is ready to use; it is
// safe for concurrent use.
type Backlogs struct {
	mu     sync.Mutex
	scopes map[string][]backlog
	// gen counts Forget calls: a count begun before one is not remembered.
	gen int
}

// Forget drops every count remembered, once events were deleted, and
// keeps counts under way from being remembered: each would count events
// no longer there.
func (b *Backlogs) Forget() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scopes = nil
	b.gen++
}

// backlog is one count: n events of a scope in (after, head].
type backlog struct {
	after, head int64
	n           int
}

// BacklogScope names the events a filter polls in a workspace: a count
// made for one scope serves polls of the same scope only.
func BacklogScope(wsID string, f EventFilter) string {
	types := make([]string, len(f.Types))
	for i, t := range f.Types {
		types[i] = string(t)
	}
	slices.Sort(types)
	instances := slices.Clone(f.InstanceIDs)
	slices.Sort(instances)
	all := "*"
	if f.InstanceIDs != nil {
		all = strings.Join(instances, ",")
	}
	return wsID + "\x00" + strings.Join(types, ",") + "\x00" + f.ObjectID + "\x00" + all
}

// Count returns how many events of scope lie in (after, head], where head
// is the position of the last event published. count(lo, hi) counts the
// scope's events in (lo, hi]; Count calls it on the whole range, or, from
// a count remembered for an earlier cursor of the same scope, on the
// events between the cursors and those published since, whichever spans
// fewer positions.
func (b *Backlogs) Count(scope string, after, head int64, count func(lo, hi int64) (int, error)) (int, error) {
	if after >= head {
		return 0, nil
	}
	b.mu.Lock()
	gen := b.gen
	b.mu.Unlock()
	n, err := b.derive(scope, after, head, count)
	if err != nil {
		return 0, err
	}
	b.remember(scope, gen, backlog{after: after, head: head, n: n})
	return n, nil
}

// derive counts from the nearest remembered backlog that ends at or after
// the cursor, or counts the range whole.
func (b *Backlogs) derive(scope string, after, head int64, countRange func(lo, hi int64) (int, error)) (int, error) {
	count := func(lo, hi int64) (int, error) {
		if lo >= hi {
			return 0, nil
		}
		return countRange(lo, hi)
	}
	b.mu.Lock()
	var best *backlog
	for i, e := range b.scopes[scope] {
		if e.after <= after && after <= e.head && e.head <= head && (best == nil || e.after > best.after) {
			best = &b.scopes[scope][i]
		}
	}
	var near backlog
	if best != nil {
		near = *best
	}
	b.mu.Unlock()
	if best == nil || (after-near.after)+(head-near.head) >= head-after {
		return count(after, head)
	}
	passed, err := count(near.after, after)
	if err != nil {
		return 0, err
	}
	added, err := count(near.head, head)
	if err != nil {
		return 0, err
	}
	return near.n - passed + added, nil
}

// remember keeps e for scope, in place of the oldest count when the scope
// has its fill, and forgets a scope at random when there are too many; a
// count begun before a Forget (gen) is dropped.
func (b *Backlogs) remember(scope string, gen int, e backlog) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen != b.gen {
		return
	}
	if b.scopes == nil {
		b.scopes = map[string][]backlog{}
	}
	list, ok := b.scopes[scope]
	if !ok && len(b.scopes) >= backlogScopes {
		for s := range b.scopes {
			delete(b.scopes, s)
			break
		}
	}
	for i, old := range list {
		if old.after == e.after {
			list[i] = e // the same cursor, polled again: its latest count
			return
		}
	}
	if len(list) >= backlogsPerScope {
		list = list[1:]
	}
	b.scopes[scope] = append(list, e)
}
