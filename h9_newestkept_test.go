package enroll_test

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestNewestKept checks the events a retention sweep keeps for pollers,
// batch by batch: of each key the newest published by position (not by
// seq: PostgreSQL numbers events by commit, seq by insert), those not
// published, and, once a later batch holds a newer event of a key, the
// one an earlier batch kept is let go in that batch.
func TestNewestKept(t *testing.T) {
	a := enroll.EventKey{WorkspaceID: "w", InstanceID: "i", Type: enroll.EventEnrollmentCreated}
	b := enroll.EventKey{WorkspaceID: "w", Type: enroll.EventProgramCreated}
	c := enroll.EventKey{WorkspaceID: "v", InstanceID: "i", Type: enroll.EventEnrollmentCreated}
	var k enroll.NewestKept
	for i, step := range []struct {
		events           []enroll.SweptEvent
		keep, superseded []int64
	}{
		{ // 2 is newer than 1 by position though older by seq; 4 is not published.
			events: []enroll.SweptEvent{{Seq: 1, Position: 11, Key: a}, {Seq: 2, Position: 12, Key: a}, {Seq: 3, Position: 10, Key: a},
				{Seq: 4, Key: b}, {Seq: 5, Position: 13, Key: c}},
			keep: []int64{4, 2, 5},
		},
		{ // 6 supersedes 2; nothing newer of c; 7 is b's first published.
			events: []enroll.SweptEvent{{Seq: 6, Position: 14, Key: a}, {Seq: 7, Position: 15, Key: b}},
			keep:   []int64{6, 7}, superseded: []int64{2},
		},
		{ // 8 is older than 6 by position: it goes, and 6 stays.
			events: []enroll.SweptEvent{{Seq: 8, Position: 9, Key: a}},
		},
		{events: nil},
		{ // Superseded twice in one batch: the earlier batch's 5 goes once.
			events: []enroll.SweptEvent{{Seq: 9, Position: 16, Key: c}, {Seq: 10, Position: 17, Key: c}},
			keep:   []int64{10}, superseded: []int64{5},
		},
	} {
		keep, superseded := k.Batch(step.events)
		if !slices.Equal(keep, step.keep) || !slices.Equal(superseded, step.superseded) {
			t.Errorf("batch %d: keep %v, superseded %v; want %v, %v", i, keep, superseded, step.keep, step.superseded)
		}
	}
}
