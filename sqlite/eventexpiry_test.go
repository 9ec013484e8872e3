package sqlite_test

import (
	"testing"

	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// TestEventRetention runs the conformance check of DeleteExpiredEvents,
// which needs a store whose clock it moves, in batches of 3 rows so that
// it crosses batches. No other test of the package deletes expired events.
func TestEventRetention(t *testing.T) {
	sqlite.SetExpiryBatch(3)
	t.Parallel()
	db, advance := openClocked(t)
	storetest.EventRetention(t, db, advance)
}
