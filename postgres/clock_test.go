package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// openClocked opens a store on a new database and a clock of its own,
// stopped at 1 March 2026, and returns it with the function that moves
// the clock forward, for the conformance checks that need time to pass.
func openClocked(t *testing.T) (*postgres.DB, func(time.Duration)) {
	t.Helper()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	db, err := postgres.Open(context.Background(), postgres.Config{URL: newDatabase(t), Engine: rules.New(), MaxConns: 4, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, func(d time.Duration) { now.Add(d.Microseconds()) }
}
