package sqlite

import "github.com/enrollhq/enroll"

// Some enrollment lists have no index to read: a tag, manufacturer or
// group filter (in the documents' JSON) reads every enrollment of the
// instance for its count, and for its page when matches are rare: 4 to
// 20 s at a million enrollments. A q search reads four prefix indexes
// (enrollment_search.go), but a short prefix counts many of their
// entries (about 1 s for one letter at a million). On the read pool, four of them held
// every connection and a plain list (13 ms alone) waited 61 s. They, and
// exports, which page through a whole instance, run on a pool of their
// own (scanReaders connections): they queue behind each other while other
// reads keep the read pool. A deadline would instead fail the searches
// that the console and clients ask for; the scans are slow, not wrong.

// scanReaders is the size of the scan pool for a read pool of readers:
// half of it (one per CPU by default), at least one.
func scanReaders(readers int) int { return max(1, readers/2) }

// scans reports whether f's list reads through the scan pool: its filter
// is one no index serves, or it is an export's (NoTotal).
func scans(f *enroll.EnrollmentFilter) bool {
	return f.Tag != "" || f.ManufacturerSlug != "" || f.GroupID != "" || f.Q != "" || f.NoTotal
}
