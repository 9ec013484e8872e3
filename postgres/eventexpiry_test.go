package postgres_test

import (
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/storetest"
)

// TestEventRetention runs the conformance check of DeleteExpiredEvents,
// which needs a store whose clock it moves, in batches of 3 rows so that
// it crosses batches. No other test of the package deletes expired events.
func TestEventRetention(t *testing.T) {
	postgres.SetExpiryBatch(3)
	t.Parallel()
	db, advance := openClocked(t)
	storetest.EventRetention(t, db, advance)
}
