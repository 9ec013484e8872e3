package http_test

import (
	"strings"
	"testing"
)

// TestH3EmptyMemberNamedTwice: a body that names the member "" twice is
// malformed like any member named twice (400, saying so), not a 422 whose
// error has no message; in an NDJSON import row's metadata the error says
// so too.
func TestH3EmptyMemberNamedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("POST", "/v1/programs", raw(`{"":"","":""}`)).expect(400)
	if p := r.problem(); !strings.Contains(p.Detail, `names member "" twice`) {
		t.Errorf("detail %q", p.Detail)
	}
	j := e.waitImport(e.startImport(e.manualInstance(), upload{"application/x-ndjson",
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com","metadata":{"":1,"":2}}` + "\n"}, "").ID)
	if len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Message, `names member "" twice`) {
		t.Errorf("import errors %+v", j.Errors)
	}
}
