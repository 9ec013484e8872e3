package sqlite

// GroupStats returns how many commit groups db ran and how many writes
// they held, for the package's external tests and benchmarks.
func GroupStats(db *DB) (groups, calls int64) {
	return db.group.groups.Load(), db.group.calls.Load()
}
