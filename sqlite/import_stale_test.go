package sqlite_test

import (
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestImportStale runs the conformance check of stale import jobs, which
// needs a store whose clock it moves.
func TestImportStale(t *testing.T) {
	t.Parallel()
	db, advance := openClocked(t)
	storetest.ImportStale(t, db, advance)
}
