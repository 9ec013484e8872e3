package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
)

// TestEventRetention runs the conformance check of DeleteExpiredEvents,
// which needs a store whose clock it moves, in batches of 3 rows so that
// it crosses batches. No other test of the package deletes expired events.
func TestEventRetention(t *testing.T) {
	postgres.SetExpiryBatch(3)
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	db, err := postgres.Open(context.Background(), postgres.Config{URL: newDatabase(t), Engine: rules.New(), MaxConns: 4, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.EventRetention(t, db, func(d time.Duration) { now.Add(d.Microseconds()) })
}
