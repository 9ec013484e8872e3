package enroll_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestPickClaims checks the choice both stores' claims share: picks
// within the rooms of their endpoints and workspaces, in order, up to
// the limit, and when the front falls short, endpoint by endpoint, the
// earliest of each first and deeper only when that falls short.
func TestPickClaims(t *testing.T) {
	t.Parallel()
	pick := func(seq int64, ws, ep string, room, wsRoom int) enroll.ClaimPick {
		return enroll.ClaimPick{Seq: seq, WorkspaceID: ws, EndpointID: ep, OK: true, Room: room, WorkspaceRoom: wsRoom}
	}
	blocked := pick(9, "w1", "e9", 5, 5)
	blocked.OK = false
	tests := []struct {
		name       string
		limit      int
		front      []enroll.ClaimPick
		byEndpoint map[int][]enroll.ClaimPick
		want       []int64
		depths     []int
	}{
		{name: "the front, in order, up to the limit", limit: 2,
			front: []enroll.ClaimPick{pick(1, "w1", "e1", 5, 5), pick(2, "w1", "e2", 5, 5)},
			want:  []int64{1, 2}},
		{name: "a short front that is all the queue", limit: 3,
			front: []enroll.ClaimPick{pick(1, "w1", "e1", 5, 5)},
			want:  []int64{1}},
		{name: "an endpoint's room", limit: 2,
			front:      []enroll.ClaimPick{pick(1, "w1", "e1", 1, 5), pick(2, "w1", "e1", 1, 5)},
			byEndpoint: map[int][]enroll.ClaimPick{1: {pick(1, "w1", "e1", 1, 5), pick(3, "w1", "e3", 5, 5)}},
			want:       []int64{1, 3}, depths: []int{1}},
		{name: "a workspace's room", limit: 2,
			front:      []enroll.ClaimPick{pick(1, "w1", "e1", 5, 1), pick(2, "w1", "e2", 5, 1)},
			byEndpoint: map[int][]enroll.ClaimPick{1: {pick(1, "w1", "e1", 5, 1), pick(4, "w2", "e4", 5, 5)}},
			want:       []int64{1, 4}, depths: []int{1}},
		{name: "deeper when the earliest of each fall short", limit: 3,
			front:      []enroll.ClaimPick{blocked, blocked, blocked},
			byEndpoint: map[int][]enroll.ClaimPick{1: {pick(1, "w1", "e1", 5, 5)}, 4: {pick(1, "w1", "e1", 5, 5), pick(2, "w1", "e1", 5, 5), pick(3, "w1", "e1", 5, 5)}},
			want:       []int64{1, 2, 3}, depths: []int{1, 4}},
		{name: "nothing claimable", limit: 1,
			front:      []enroll.ClaimPick{blocked},
			byEndpoint: map[int][]enroll.ClaimPick{1: {blocked}},
			depths:     []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var depths []int
			picks, err := enroll.PickClaims(tt.limit, 4, 6,
				func(walk int) ([]enroll.ClaimPick, error) {
					if walk != tt.limit {
						t.Errorf("front walked %d, want the limit %d", walk, tt.limit)
					}
					return tt.front, nil
				},
				func(depth int) ([]enroll.ClaimPick, error) {
					depths = append(depths, depth)
					return tt.byEndpoint[depth], nil
				})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range picks {
				got = append(got, p.Seq)
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(depths, tt.depths) {
				t.Errorf("picks %v at depths %v, want %v at %v", got, depths, tt.want, tt.depths)
			}
		})
	}
	boom := errors.New("boom")
	if _, err := enroll.PickClaims(1, 1, 1, func(int) ([]enroll.ClaimPick, error) { return nil, boom }, nil); !errors.Is(err, boom) {
		t.Errorf("a failed front: %v, want %v", err, boom)
	}
}
