package http

import (
	"testing"
	"time"
)

// TestRateLimiterShare checks the limiter's side of sharing usage between
// replicas: only admitted requests are counted for publication (and only
// when sharing), other replicas' requests are spent from the buckets, a
// bucket overdrawn by them stays overdrawn (floored at minus a burst) and
// is not pruned until it has refilled.
func TestRateLimiterShare(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	l := newRateLimiter(1, 4)
	l.now = func() time.Time { return now }

	l.take("k1")
	if used := l.drain(); used != nil {
		t.Errorf("a limiter that does not share counted %v", used)
	}
	l.share = true
	for range 5 { // 3 tokens left: 3 admitted, 2 refused
		l.take("k1")
	}
	if used := l.drain(); len(used) != 1 || used["k1"] != 3 {
		t.Errorf("drain() = %v, want k1: 3 admitted", used)
	}
	if used := l.drain(); used != nil {
		t.Errorf("second drain() = %v, want nil", used)
	}

	// Others admitted 3 of k2 (a bucket this replica never made) and 100
	// of k1 (they overran before hearing from us): k1 is floored at -4.
	if n := l.spend(map[string]int{"k2": 3, "k1": 100, "k3": 0}); n != 103 {
		t.Errorf("spend() = %d, want 103", n)
	}
	if ok, _, _ := l.take("k2"); !ok {
		t.Error("k2 refused with a token left")
	}
	if ok, _, _ := l.take("k2"); ok {
		t.Error("k2 admitted after the others spent its tokens")
	}
	// k1 needs 5 s to get back to one token; pruning must not reset it.
	now = now.Add(4 * time.Second)
	l.prune(now)
	if ok, _, wait := l.take("k1"); ok || wait != time.Second {
		t.Errorf("k1 after 4 s: admitted %v, wait %s; want refused, 1s", ok, wait)
	}
	now = now.Add(time.Second)
	if ok, _, _ := l.take("k1"); !ok {
		t.Error("k1 refused once refilled to a token")
	}
	now = now.Add(time.Hour)
	l.prune(now)
	if len(l.buckets) != 0 {
		t.Errorf("%d buckets left after an hour, want 0", len(l.buckets))
	}
}
