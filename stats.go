package enroll

// PoolStats describes a database connection pool, for /metrics.
type PoolStats struct {
	// Pool names the pool ("writer", "readers", "scans", "pool").
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

// WriterStats describes a store's single writer, for /metrics: how writes
// share commits and how much of the time the writer is taken.
type WriterStats struct {
	// Commits is how many transactions the writer has committed or rolled
	// back, and Writes how many write calls they ran: Writes ÷ Commits is
	// the mean number of writes sharing a commit.
	Commits, Writes int64
	// BusySeconds is how long the writer has been running transactions.
	BusySeconds float64
	// WALFrames is the size of the write-ahead log, in pages, when it was
	// last checkpointed: it stays bounded while the WAL restarts.
	WALFrames int64
}

// WriterStatser is implemented by stores with one writer (SQLite).
type WriterStatser interface {
	// WriterStats returns the writer's totals since the store opened.
	WriterStats() WriterStats
}
