package http_test

import (
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzProgramWrites sends arbitrary bodies to the program and program
// instance creates and PATCHes (parameters, eligibilityRules, groups,
// dates, capacity): a 4xx is a problem pointing at real places and stores
// nothing, a 2xx reads back as answered.
//
//	go test ./http -run XXX -fuzz FuzzProgramWrites -fuzztime 3m
func FuzzProgramWrites(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		switch op.OperationID {
		case "createProgram", "updateProgram", "createProgramInstance", "updateProgramInstance":
			return true
		}
		return false
	})
	for _, body := range []string{
		`{"slug":"p-a","name":"A","description":"d","states":["CA","NY"],"active":true,"metadata":{"k":[1,2]}}`,
		`{"slug":"UPPER","name":""}`,
		`{"slug":"i-a","name":"2026","status":"active","startDate":"2026-01-01T00:00:00Z","endDate":"2025-01-01T00:00:00Z","capacity":10,"autoEvaluate":true}`,
		`{"slug":"i-b","name":"x","groups":[{"id":"g","name":"G"},{"id":"g","name":"H"}],"capacity":0}`,
		`{"slug":"i-c","name":"x","parameters":[{"externalId":"a","name":"A","type":"choice","constraints":{"options":[]}},{"externalId":"a","name":"B","type":"string"}]}`,
		`{"slug":"i-d","name":"x","parameters":[{"externalId":"p","name":"P","type":"string","constraints":{"required":true,"pattern":"(","unique":true,"readonly":true,"hidden":true}}]}`,
		`{"slug":"i-e","name":"x","eligibilityRules":[{"name":"r","expression":"enrollment.firstName == 'A'","reason":"why"},{"name":"r","expression":"1 +"}]}`,
		`{"slug":"i-f","name":"x","eligibilityRules":[{"name":"","expression":""}],"parameters":[{"externalId":"","name":"","type":"object"}]}`,
		`{"name":"renamed","eligibilityRules":[],"parameters":[],"groups":[],"metadata":null,"capacity":null}`,
		`{"status":"archived"}`, `{"status":"bogus","startDate":"not a date"}`, `{"slug":null}`,
		`{"eligibilityRules":[{"name":"r","expression":"enrolledInOtherProgram()"}]}`,
		`{"parameters":[{"externalId":"n","name":"N","type":"number","constraints":{"options":["1"]}}]}`,
		`{}`, `[]`, `null`, `{"a":`, ``, `{"name":"\u0000"}`,
	} {
		for i := range 4 {
			f.Add(uint8(i), []byte(body), false)
		}
	}
	f.Add(uint8(1), []byte(`{"description":null,"states":null}`), true)
	f.Add(uint8(3), []byte(`{"capacity":null,"endDate":null,"eligibilityRules":null}`), true)
	f.Fuzz(func(t *testing.T, i uint8, body []byte, mergePatch bool) {
		op := ft.op(i)
		e := *ft.e
		e.t = t
		header := map[string]string{"Content-Type": "application/json"}
		var path, object string
		switch op.OperationID {
		case "createProgram":
			path = "/v1/programs"
		case "createProgramInstance":
			path = "/v1/programs/" + ft.fx.program + "/instances"
		case "updateProgram":
			object = "/v1/programs/" + e.createProgram("p-"+uniq())
		case "updateProgramInstance":
			object = "/v1/programInstances/" + e.createInstance(nil)
		}
		if object != "" {
			path = object
			if mergePatch {
				header["Content-Type"] = "application/merge-patch+json"
			}
		}
		w := ft.write(t, op, path, object, body, header)
		if w != nil && w.Code == http.StatusCreated {
			ft.serve(t, http.MethodDelete, w.Header().Get("Location"), nil, nil)
		}
	})
}
