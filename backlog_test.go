package enroll_test

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestBacklogs walks consumers through a growing stream of events, with
// random cursors and heads, and checks every count against a count of the
// whole range; and that a consumer paging forward while events are
// published counts only the pages and the new events after its first poll.
func TestBacklogs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var positions []int64 // the scope's events, in order; other scopes' fill the gaps
	var next int64
	publish := func(n int) {
		for range n {
			next += 1 + r.Int64N(3)
			positions = append(positions, next)
		}
	}
	want := func(lo, hi int64) int {
		i := sort.Search(len(positions), func(i int) bool { return positions[i] > lo })
		j := sort.Search(len(positions), func(i int) bool { return positions[i] > hi })
		return j - i
	}
	var spanned int64
	count := func(lo, hi int64) (int, error) {
		spanned += hi - lo
		return want(lo, hi), nil
	}

	var b enroll.Backlogs
	publish(1000)
	for range 2000 {
		publish(r.IntN(5))
		head := next - r.Int64N(4) // not every event published yet
		after := r.Int64N(head + 1)
		scope := []string{"ws\x00a", "ws\x00b"}[r.IntN(2)]
		got, err := b.Count(scope, after, head, count)
		if w := want(after, head); err != nil || got != w {
			t.Fatalf("Count(%s, %d, %d) = %d, %v; want %d", scope, after, head, got, err, w)
		}
	}

	// A consumer catching up, 50 events a page, while 5 are published a poll.
	b, spanned = enroll.Backlogs{}, 0
	after, head := int64(0), next
	first, polls := true, 0
	for after < head {
		n, err := b.Count("walk", after, head, count)
		if w := want(after, head); err != nil || n != w {
			t.Fatalf("walk at %d: %d, want %d", after, n, w)
		}
		if first {
			spanned, first = 0, false
		}
		i := sort.Search(len(positions), func(i int) bool { return positions[i] > after })
		after = positions[min(i+49, len(positions)-1)]
		if polls++; polls < 100 {
			publish(5)
		}
		head = next
	}
	// Each later poll spans its page and the events published since.
	if spanned > 3*next/2 {
		t.Errorf("the walk's later polls spanned %d positions, for a stream of %d", spanned, next)
	}
}

// TestBacklogsForget: after events of a remembered backlog are deleted
// and the store forgets, the next poll counts what is left, not the
// remembered count less the events passed.
func TestBacklogsForget(t *testing.T) {
	t.Parallel()
	alive := map[int64]bool{}
	for p := int64(1); p <= 100; p++ {
		alive[p] = true
	}
	count := func(lo, hi int64) (int, error) {
		n := 0
		for p := lo + 1; p <= hi; p++ {
			if alive[p] {
				n++
			}
		}
		return n, nil
	}
	var b enroll.Backlogs
	if n, _ := b.Count("s", 10, 100, count); n != 90 {
		t.Fatalf("first poll: %d, want 90", n)
	}
	for p := int64(40); p <= 60; p++ {
		delete(alive, p)
	}
	b.Forget()
	if n, _ := b.Count("s", 12, 100, count); n != 67 {
		t.Fatalf("after 21 events were deleted: %d, want 67", n)
	}
}
