package http_test

import "testing"

// TestSlugConflictLocated checks that a slug already taken, on a create or
// a PATCH of a program or an instance, is a 409 whose error points at
// body.slug with the slug sent, as a 422 points at its field, so a client
// or a form can show it by the field: it carried no errors at all.
func TestSlugConflictLocated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.createProgram("taken")
	other := e.createProgram("other")
	e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "y2026", "name": "2026"}).expect(201)
	spare := e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{"slug": "y2027", "name": "2027"}).expect(201).obj()["id"].(string)
	for _, c := range []struct {
		method, path string
		body         map[string]any
		slug         string
	}{
		{"POST", "/v1/programs", map[string]any{"slug": "taken", "name": "Again"}, "taken"},
		{"PATCH", "/v1/programs/" + other, map[string]any{"slug": "taken"}, "taken"},
		{"POST", "/v1/programs/" + prog + "/instances", map[string]any{"slug": "y2026", "name": "Again"}, "y2026"},
		{"PATCH", "/v1/programInstances/" + spare, map[string]any{"slug": "y2026"}, "y2026"},
	} {
		p := e.do(c.method, c.path, c.body).expect(409).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.slug" || p.Errors[0].Value != c.slug {
			t.Errorf("%s %s: errors %+v, want one at body.slug with %q", c.method, c.path, p.Errors, c.slug)
		}
	}
}
