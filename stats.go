package enroll

// PoolStats describes a database connection pool, for /metrics.
type PoolStats struct {
	// Pool names the pool ("writer", "readers", "pool").
	Pool string
	// Open is the number of open connections; InUse of those are busy.
	Open, InUse int
	// MaxOpen is the pool's size limit.
	MaxOpen int
	// WaitCount is how many times a request waited for a connection, and
	// WaitSeconds how long all of them waited, since the pool opened.
	WaitCount   int64
	WaitSeconds float64
}

// PoolStatser is implemented by stores that can describe their
// connection pools.
type PoolStatser interface {
	// PoolStats returns a snapshot of every pool of the store.
	PoolStats() []PoolStats
}
