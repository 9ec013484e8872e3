package http_test

import (
	"slices"
	"testing"
)

// TestH3NumericMemberLocation: a value refused inside an object member
// whose name is a number is located at that member (body.metadata.0), as
// Huma locates members, not at an array index (body.metadata[0]), which
// names a place the body does not have; an NDJSON import row's error
// names its field the same way.
func TestH3NumericMemberLocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	for body, want := range map[string]string{
		`{"metadata":{"0":9007199254740993}}`:         "body.metadata.0",
		`{"metadata":{"a":[1, {"7":1e-400}]}}`:        "body.metadata.a[1].7",
		`{"address":{"0":"x"}}`:                       "body.address.0",
		`{"tags":["a", "\ud800"]}`:                    "body.tags[1]",
		`{"metadata":{"list":[0, 9007199254740993]}}`: "body.metadata.list[1]",
	} {
		// A whole create otherwise: a body the schema refuses too is told
		// of the schema's errors first (an integer beyond ±2^53 in
		// metadata is refused by the reading after the schema's).
		body = `{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com",` + body[1:]
		p := e.do("POST", "/v1/programInstances/"+inst+"/enrollments", raw(body)).expect(422).problem()
		if !p.hasLocation(want) {
			t.Errorf("%s: locations %v, want %s", body, p.locations(), want)
		}
	}
}

func TestH3NumericMemberLocationImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	j := e.startImport(inst, upload{"application/x-ndjson",
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com","metadata":{"0":9007199254740993}}` + "\n"}, "")
	j = e.waitImport(j.ID)
	var fields []string
	for _, er := range j.Errors {
		fields = append(fields, er.Field)
	}
	if !slices.Contains(fields, "metadata.0") {
		t.Errorf("import errors %+v, want one at metadata.0", j.Errors)
	}
}
