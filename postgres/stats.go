package postgres

import (
	"github.com/enrollhq/enroll"
)

var _ enroll.PoolStatser = (*DB)(nil)

// PoolStats implements enroll.PoolStatser: the pgx pool.
func (db *DB) PoolStats() []enroll.PoolStats {
	s := db.pool.Stat()
	return []enroll.PoolStats{{Pool: "pool", Open: int(s.TotalConns()), InUse: int(s.AcquiredConns()), MaxOpen: int(s.MaxConns()),
		WaitCount: s.EmptyAcquireCount(), WaitSeconds: s.AcquireDuration().Seconds()}}
}
