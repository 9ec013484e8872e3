package enroll_test

import (
	"errors"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestDrainInBatches checks that the drain stops at the first short batch
// and at the first error, whose batch it does not count.
func TestDrainInBatches(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name    string
		batches []int
		failAt  int // index of the call that fails; -1 none
		want    int
		calls   int
	}{
		{"one short", []int{3}, -1, 3, 1},
		{"full then short", []int{5, 5, 2}, -1, 12, 3},
		{"full then empty", []int{5, 0}, -1, 5, 2},
		{"error not counted", []int{5, 5, 5}, 1, 5, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, err := enroll.DrainInBatches(5, func() (int, error) {
				i := calls
				calls++
				if i == tt.failAt {
					return tt.batches[i], boom
				}
				return tt.batches[i], nil
			})
			if got != tt.want || calls != tt.calls || (tt.failAt >= 0) != errors.Is(err, boom) {
				t.Errorf("DrainInBatches = %d, %v after %d calls; want %d after %d", got, err, calls, tt.want, tt.calls)
			}
		})
	}
}
