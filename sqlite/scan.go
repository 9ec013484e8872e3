package sqlite

import "github.com/enrollhq/enroll"

// Some enrollment lists read a whole scope. A tag, manufacturer or group
// filter that the label counters do not total (labelcount.go: with
// another filter besides scope and status) reads every entry of a list
// index in scope for its count (the labels column, labels.go) and the
// documents of the entries that hold its token: 0.2-0.45 s at a million
// enrollments when few match, 0.7-2 s when a fifth to two fifths do
// (docs/benchmarks.md, session 15; 3-10 s when every document was read);
// and a rare or absent value's page walks the scope whatever its total. A q search reads four prefix indexes
// (enrollment_search.go), but a short prefix counts many of their
// entries (about 1 s for one letter at a million). On the read pool, four
// of them held every connection and a plain list (13 ms alone) waited
// 61 s. They, and exports, which page through a whole instance, run on a
// pool of their own (scanReaders connections): they queue behind each
// other while other reads keep the read pool. A deadline would instead
// fail the searches that the console and clients ask for; the scans are
// slow, not wrong.

// scanReaders is the size of the scan pool for a read pool of readers:
// half of it (one per CPU by default), at least one.
func scanReaders(readers int) int { return max(1, readers/2) }

// scans reports whether f's list reads through the scan pool: its filter
// is one no index serves, or it is an export's (NoTotal).
func scans(f *enroll.EnrollmentFilter) bool {
	return f.Tag != "" || f.ManufacturerSlug != "" || f.GroupID != "" || f.Q != "" || f.NoTotal
}
