package http

import (
	"github.com/danielgtaylor/huma/v2"
)

// idPattern is enroll.ValidID as a JSON Schema pattern: the shape of
// every id the server makes, and what it checks ids in request bodies
// against (422 "is not an id").
const idPattern = "^[A-Za-z0-9_-]{1,64}$"

// idMembers are the request members holding ids that the server refuses
// with a 422 when they are not of idPattern's shape; a list's items are
// each an id.
var idMembers = map[string][]string{
	"EnrollmentCreate": {"customerId", "leadId", "enrollmentId"},
	"APIKeyCreate":     {"programInstanceIds"},
}

// documentIDPattern gives idMembers idPattern in the OpenAPI document,
// through extension keywords, which the document shows and Huma's
// validator ignores, so that the server's own 422 ("is not an id", at the
// member) stays the answer while a client checking its requests against
// the document sends no id the server refuses.
func documentIDPattern(schemas huma.Registry) {
	for name, members := range idMembers {
		for _, m := range members {
			p := schemaMember(schemas, name, m)
			if p.Items != nil {
				p = p.Items
			}
			setKeyword(p, "pattern", idPattern)
		}
	}
}
