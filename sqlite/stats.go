package sqlite

import (
	"database/sql"

	"github.com/enrollhq/enroll"
)

var _ enroll.PoolStatser = (*DB)(nil)

// PoolStats implements enroll.PoolStatser: the writer and the readers.
func (db *DB) PoolStats() []enroll.PoolStats {
	return []enroll.PoolStats{poolStats("writer", db.w.Stats()), poolStats("readers", db.r.Stats())}
}

func poolStats(name string, s sql.DBStats) enroll.PoolStats {
	return enroll.PoolStats{Pool: name, Open: s.OpenConnections, InUse: s.InUse, MaxOpen: s.MaxOpenConnections,
		WaitCount: s.WaitCount, WaitSeconds: s.WaitDuration.Seconds()}
}
