package enroll

// DeleteInBatches is the walk of a store's DeleteExpiredEvents over one
// table, in seq order (creation order) from its start: next reads, outside
// any write, the batch after seq lo and returns the end hi of its seq
// range, up to the first row too young (lo when none is old enough), and
// whether rows after hi may be old enough too; del deletes, in a write
// transaction of its own, the rows of (lo, hi] that may go, and returns
// how many. The walk goes on from hi, so rows kept (pending ones) are
// passed over rather than read again, and reads little beyond the rows
// old enough. It returns how many rows del deleted in all, and the first
// error.
func DeleteInBatches(next func(lo int64) (hi int64, more bool, err error), del func(lo, hi int64) (int, error)) (int, error) {
	var lo int64
	total := 0
	for {
		hi, more, err := next(lo)
		if err != nil || hi == lo {
			return total, err
		}
		n, err := del(lo, hi)
		if err != nil {
			return total, err
		}
		total += n
		if !more {
			return total, nil
		}
		lo = hi
	}
}
