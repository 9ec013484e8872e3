package http

import (
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// Huma's validator lets any member a body does not require be null, and
// decoding null leaves the Go field as it was: absent. So every optional
// member of a create body is declared nullable (the struct tag), and the
// document says what the server takes (TestRequestBodiesNullable).

// documentNullEnums adds null to the enum of every nullable member that
// has one (a create body's eligibilityStatus, status, audience): JSON
// Schema applies enum to null too, so a validator other than Huma's
// (which lets a nullable null through before the enum) would refuse the
// null the type allows. It runs after every schema is built, so Huma's
// precomputed message for a value outside the enum lists the values
// without null.
func documentNullEnums(schemas huma.Registry) {
	seen := map[*huma.Schema]bool{}
	var walk func(s *huma.Schema)
	walk = func(s *huma.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Nullable && len(s.Enum) > 0 && !slices.Contains(s.Enum, nil) {
			s.Enum = append(s.Enum, nil)
		}
		walk(s.Items)
		for _, p := range s.Properties {
			walk(p)
		}
	}
	for _, s := range schemas.Map() {
		walk(s)
	}
}
