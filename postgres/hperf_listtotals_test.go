package postgres_test

import (
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/storetest"
)

// TestStoreListTotals runs storetest.ExerciseListTotals on PostgreSQL,
// each store's integrity (its counters among it) checked at its end.
func TestStoreListTotals(t *testing.T) {
	t.Parallel()
	storetest.ExerciseListTotals(t, func(t *testing.T) enroll.Store { return openDB(t, newDatabase(t)) })
}
