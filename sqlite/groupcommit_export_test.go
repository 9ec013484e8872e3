package sqlite

import "time"

// GroupStats returns how many commit groups db ran and how many writes
// they held, for the package's external tests and benchmarks.
func GroupStats(db *DB) (groups, calls int64) {
	return db.group.groups.Load(), db.group.calls.Load()
}

// WriterBusy returns how long db's writer has spent running groups.
func WriterBusy(db *DB) time.Duration { return time.Duration(db.group.busy.Load()) }

// PlannedCreates returns how many creates db wrote as planned before the
// writer's turn.
func PlannedCreates(db *DB) int64 { return db.plannedCreates.Load() }

// AfterPlan has db run fn once, between the plan of its next create and
// the create's write transaction.
func AfterPlan(db *DB, fn func()) { db.afterPlan = fn }
