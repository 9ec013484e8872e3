package enroll

import "testing"

// TestIDGenFollows checks that an id follows the last one where the clock
// gives no later millisecond: the same millisecond, a clock gone back, and
// a millisecond whose random part has run out, whose ids take the next
// millisecond.
func TestIDGenFollows(t *testing.T) {
	t.Parallel()
	var g idGen
	last := g.next(1_000_000)
	for _, c := range []struct {
		name string
		now  uint64
		set  func()
	}{
		{"same millisecond", 1_000_000, nil},
		{"clock gone back", 999_000, nil},
		{"random part run out", 1_000_000, func() { g.hi, g.lo = idHalf-1, idHalf-1 }},
		{"later millisecond", 2_000_000, nil},
	} {
		if c.set != nil {
			c.set()
		}
		id := g.next(c.now)
		if len(id) != idLength || !idShaped(id) || id <= last {
			t.Errorf("%s: %s after %s", c.name, id, last)
		}
		last = id
	}
	if g.ms != 2_000_000 {
		t.Errorf("at millisecond %d, want 2000000", g.ms)
	}
}
