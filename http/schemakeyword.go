package http

import "github.com/danielgtaylor/huma/v2"

// schemaMember returns member of the component schema name, for a
// document* function to describe; it panics when either is missing: the
// request type no longer has the member the function names.
func schemaMember(schemas huma.Registry, name, member string) *huma.Schema {
	s := schemas.Map()[name]
	if s == nil || s.Properties[member] == nil {
		panic("no schema member " + name + "." + member)
	}
	return s.Properties[member]
}

// setKeyword sets a JSON Schema keyword of p among its extension
// keywords, which the OpenAPI document shows and Huma's validator
// ignores: the document states the constraint, while the handler, not
// the validator, refuses what breaks it, in its own words and at the
// field.
func setKeyword(p *huma.Schema, keyword string, value any) {
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions[keyword] = value
}
