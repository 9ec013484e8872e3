package enroll_test

import (
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestNewIDIncreases checks that the ids of a process strictly increase,
// made in a tight loop (many in one millisecond) or by goroutines at once
// (each sees its own increase, and no id is made twice), so that rows
// written together, which share createdAt, list in the order they were
// made.
func TestNewIDIncreases(t *testing.T) {
	t.Parallel()
	last := enroll.NewID()
	for range 200_000 {
		id := enroll.NewID()
		if id <= last || len(id) != 24 || !enroll.ValidID(id) {
			t.Fatalf("%s after %s", id, last)
		}
		last = id
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			ids := make([]string, 20_000)
			for i := range ids {
				ids[i] = enroll.NewID()
			}
			mu.Lock()
			defer mu.Unlock()
			for i, id := range ids {
				if i > 0 && id <= ids[i-1] || seen[id] {
					t.Errorf("%s after %s, or made twice", id, ids[max(i-1, 0)])
					return
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
}
