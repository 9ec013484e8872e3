package enroll

import (
	"context"
	"encoding/json"
)

// EnrollmentDocReader is a Store that keeps each enrollment as the very
// JSON the API answers with: json.Marshal of the Enrollment, byte for
// byte (SQLite's documents). Decoding a page of 100 such documents and
// encoding them again was about three fifths of a list request's CPU,
// and a sixth of a GET's; a store with this interface lets the API answer
// the stored bytes instead whenever it would show the enrollments
// unchanged (no hidden parameter values to remove). PostgreSQL keeps
// documents as jsonb, which answers the same JSON with other spacing and
// member order, so it does not offer it: it decodes and encodes.
type EnrollmentDocReader interface {
	// ListEnrollmentDocs is ListEnrollments (the same filter, order, page,
	// totals and page token) with each enrollment given as its stored
	// document, whose bytes equal json.Marshal of what ListEnrollments
	// returns for it. Returns EINVALID for bad filters or tokens.
	ListEnrollmentDocs(ctx context.Context, wsID string, f EnrollmentFilter) (*Page[json.RawMessage], error)
	// FindEnrollmentDoc is FindEnrollment with the enrollment given as its
	// stored document. Returns ENOTFOUND.
	FindEnrollmentDoc(ctx context.Context, wsID, id string) (*EnrollmentDoc, error)
}

// EnrollmentDoc is an enrollment's stored document (EnrollmentDocReader)
// with what a reader needs to decide whether and how to show it.
type EnrollmentDoc struct {
	ID, ProgramInstanceID string
	// Version is the enrollment's version, which its ETag names.
	Version int
	// JSON is json.Marshal of the enrollment, byte for byte.
	JSON json.RawMessage
}

// ETag is the enrollment's ETag (Enrollment.ETag).
func (d *EnrollmentDoc) ETag() string { return (&Enrollment{ID: d.ID, Version: d.Version}).ETag() }
