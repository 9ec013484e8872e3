package sqlite

// PlannedCreates returns how many creates db wrote as planned before the
// writer's turn.
func PlannedCreates(db *DB) int64 { return db.plannedCreates.Load() }

// AfterPlan has db run fn once, between the plan of its next create and
// the create's write transaction.
func AfterPlan(db *DB, fn func()) { db.afterPlan = fn }

// SetExpiryBatch sets how many rows of a table one transaction of
// DeleteExpiredEvents deletes at most, so that a test crosses batches.
func SetExpiryBatch(n int) { expiryBatch = n }
