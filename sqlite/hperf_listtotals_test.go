package sqlite_test

import (
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/storetest"
)

// TestStoreListTotals runs storetest.ExerciseListTotals on SQLite.
func TestStoreListTotals(t *testing.T) {
	t.Parallel()
	storetest.ExerciseListTotals(t, func(t *testing.T) enroll.Store { return openTestDB(t) })
}
