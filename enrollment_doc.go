package enroll

import (
	"context"
	"encoding/json"
)

// EnrollmentDocLister is a Store that keeps each enrollment as the very
// JSON the API answers with: json.Marshal of the Enrollment, byte for
// byte (SQLite's documents). Decoding a page of 100 such documents and
// encoding them again was about three fifths of a list request's CPU; a
// store with this interface lets the API answer the stored bytes instead
// whenever it would show the enrollments unchanged (no hidden parameter
// values to remove). PostgreSQL keeps documents as jsonb, which answers
// the same JSON with other spacing and member order, so it does not offer
// it: its lists decode and encode.
type EnrollmentDocLister interface {
	// ListEnrollmentDocs is ListEnrollments (the same filter, order, page,
	// totals and page token) with each enrollment given as its stored
	// document, whose bytes equal json.Marshal of what ListEnrollments
	// returns for it. Returns EINVALID for bad filters or tokens.
	ListEnrollmentDocs(ctx context.Context, wsID string, f EnrollmentFilter) (*Page[json.RawMessage], error)
}
