package sqlite_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// openClocked opens a store on a clock of its own, stopped at 1 March
// 2026, and returns it with the function that moves the clock forward,
// for the conformance checks that need time to pass.
func openClocked(t *testing.T) (*sqlite.DB, func(time.Duration)) {
	t.Helper()
	var now atomic.Int64
	now.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMicro())
	clock := func() time.Time { return time.UnixMicro(now.Load()).UTC() }
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "e.db"), Engine: rules.New(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, func(d time.Duration) { now.Add(d.Microseconds()) }
}
