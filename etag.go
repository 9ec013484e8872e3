package enroll

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
)

// ContentETag returns a strong entity tag for a representation that keeps
// no version of its own (a customer, a program, a webhook endpoint, ...):
// a hash of its JSON, which changes whenever a member does, updatedAt
// included. Enrollments carry a version instead (Enrollment.ETag).
func ContentETag(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return `"-"` // matches no tag a client was given
	}
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf(`"%016x"`, h.Sum64())
}
