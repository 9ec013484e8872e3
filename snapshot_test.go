package enroll_test

import (
	"testing"

	"github.com/enrollhq/enroll"
)

func TestSnapshotSlots(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ size, want int }{{0, -1}, {1, -1}, {2, 1}, {3, 1}, {4, 2}, {9, 4}} {
		var s enroll.SnapshotSlots
		got := s.Get(c.size)
		switch {
		case c.want < 0 && got != nil:
			t.Errorf("pool of %d: %d slots, want none", c.size, cap(got))
		case c.want >= 0 && (got == nil || cap(got) != c.want):
			t.Errorf("pool of %d: %v, want %d slots", c.size, got, c.want)
		}
		if again := s.Get(100); again != got {
			t.Errorf("pool of %d: slots made again", c.size)
		}
	}
}
