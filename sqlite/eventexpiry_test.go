package sqlite_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// TestEventRetention runs the conformance check of DeleteExpiredEvents,
// which needs a store whose clock it moves, in batches of 3 rows so that
// it crosses batches. No other test of the package deletes expired events.
func TestEventRetention(t *testing.T) {
	sqlite.SetExpiryBatch(3)
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "e.db"), Engine: rules.New(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.EventRetention(t, db, func(d time.Duration) { now.Add(d.Microseconds()) })
}
