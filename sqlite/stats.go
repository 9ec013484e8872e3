package sqlite

import (
	"database/sql"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.PoolStatser = (*DB)(nil)

// PoolStats implements enroll.PoolStatser: the writer and the readers.
func (db *DB) PoolStats() []enroll.PoolStats {
	return []enroll.PoolStats{poolStats("writer", db.w.Stats()), poolStats("readers", db.r.Stats()), poolStats("scans", db.scan.Stats())}
}

func poolStats(name string, s sql.DBStats) enroll.PoolStats {
	return enroll.PoolStats{Pool: name, Open: s.OpenConnections, InUse: s.InUse, MaxOpen: s.MaxOpenConnections,
		WaitCount: s.WaitCount, WaitSeconds: s.WaitDuration.Seconds()}
}

var _ enroll.WriterStatser = (*DB)(nil)

// WriterStats implements enroll.WriterStatser: the commit groups run so
// far.
func (db *DB) WriterStats() enroll.WriterStats {
	g := &db.group
	return enroll.WriterStats{Commits: g.groups.Load(), Writes: g.calls.Load(),
		BusySeconds: time.Duration(g.busy.Load()).Seconds(), WALFrames: db.ckpt.frames.Load()}
}
