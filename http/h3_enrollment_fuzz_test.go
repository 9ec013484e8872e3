package http_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzEnrollmentWrites sends arbitrary bodies and If-Match headers to the
// enrollment create and PATCH: a 4xx is a problem pointing at real places
// and stores nothing, a 2xx reads back as answered.
//
//	go test ./http -run XXX -fuzz FuzzEnrollmentWrites -fuzztime 3m
func FuzzEnrollmentWrites(f *testing.F) {
	ft := newFuzzTarget(f, func(op *huma.Operation) bool {
		return op.OperationID == "createEnrollment" || op.OperationID == "updateEnrollment"
	})
	instance := ft.e.createInstance(map[string]any{
		"autoEvaluate": false,
		"groups":       []any{map[string]any{"id": "g1", "name": "One"}},
		"parameters": []any{
			map[string]any{"externalId": "size", "name": "Size", "type": "number"},
			map[string]any{"externalId": "color", "name": "Color", "type": "choice", "constraints": map[string]any{"options": []any{"red", "blue"}}},
			map[string]any{"externalId": "code", "name": "Code", "type": "string", "constraints": map[string]any{"pattern": "^[A-Z]+$", "unique": true}},
			map[string]any{"externalId": "day", "name": "Day", "type": "date"},
			map[string]any{"externalId": "ro", "name": "RO", "type": "boolean", "constraints": map[string]any{"readonly": true}},
		},
	})
	valid, _ := json.Marshal(customerInfo(nil))
	for _, body := range []string{
		string(valid),
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"a@example.com","tags":["x","x"],"metadata":{"k":1},"groupIds":["g1"],"parameters":[{"externalId":"size","value":3},{"externalId":"color","value":"red"},{"externalId":"code","value":"AB"},{"externalId":"day","value":"2026-01-02"}]}`,
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"b@example.com","address":{"streetOne":"1 Main","country":"US"},"devices":[{"serialNumber":"s"}],"manufacturerSlugs":["m"],"enrollmentStartDate":"2026-01-02"}`,
		`{"identificationType":"customerId","customerId":"` + ft.fx.customer + `"}`,
		`{"identificationType":"leadId","leadId":"` + ft.fx.lead + `"}`,
		`{"identificationType":"enrollmentId","enrollmentId":"` + ft.fx.enrollment + `"}`,
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"c@example.com","parameters":[{"externalId":"nope","value":1},{"externalId":"size","value":"x"}],"groupIds":["g9"]}`,
		`{"eligibilityStatus":"eligible","eligibilityReason":"ok"}`,
		`{"eligibilityStatus":"approved"}`,
		`{"notes":"n","assignee":"a","tags":[],"metadata":null,"groupIds":[],"parameters":[{"externalId":"ro","value":true}]}`,
		`{"firstName":"","email":"not-an-email","phone":null,"address":{"city":1}}`,
		`{"parameters":[{"externalId":"day","value":"2026-02-30"},{"externalId":"code","value":"ab"}]}`,
		`{"enrollmentStartDate":"0000-01-01","unenrolledAt":"x"}`,
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"d@example.com","metadata":{"big":12345678901234567890,"tiny":1e-400,"f":0.1,"neg":-0,"u":"\u0000\ud800","n":{"deep":[[[]]]}}}`,
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"E@Example.COM","notes":"a","notes":"b"}`,
		`{"identificationType":"customerInfo","firstName":" A ","lastName":"B\t","email":" f@example.com ","referenceId":"","tags":[" t ","T"],"phone":"+1 (555) 010-0000"}`,
		`{"identificationType":"customerInfo","firstName":"A","lastName":"B","email":"g@example.com","devices":[{"id":"d1","installDate":"2026-01-01T00:00:00+02:00"}],"enrollmentStartDate":"2026-01-01T00:00:00.123456789-05:00"}`,
		`{"metadata":{"a":1e400}}`, `{"metadata":{"x":"y"},"address":{"city":null,"streetOne":"2"}}`, `{"notes":"\u2028\ud83d\ude00"}`,
		`{"eligibilityStatus":"candidate"}`, `{"eligibilityStatus":null}`, `{"eligibilityReason":"only a reason"}`,
		`{"parameters":[{"externalId":"size","value":1e309}]}`, `{"parameters":[{"externalId":"size","value":9007199254740993}]}`,
		`{"parameters":[{"externalId":"size","value":1},{"externalId":"size","value":2}]}`,
		`{}`, `[]`, `null`, `{"a":`, ``,
	} {
		for _, patch := range []bool{false, true} {
			f.Add(patch, []byte(body), "", false)
		}
	}
	f.Add(true, []byte(`{"notes":"x"}`), "*", false)
	f.Add(true, []byte(`{"notes":"x"}`), `"nope"`, false)
	f.Add(true, []byte(`{"notes":"x"}`), `W/"x", "y"`, true)
	f.Add(true, []byte(`{"notes":null,"tags":null}`), `etag`, true)
	create, update := ft.ops[0], ft.ops[1]
	f.Fuzz(func(t *testing.T, patch bool, body []byte, ifMatch string, mergePatch bool) {
		header := map[string]string{"Content-Type": "application/json"}
		if ifMatch != "" {
			header["If-Match"] = ifMatch
		}
		if !patch {
			ft.write(t, create, "/v1/programInstances/"+instance+"/enrollments", "", body, header)
			return
		}
		if mergePatch {
			header["Content-Type"] = "application/merge-patch+json"
		}
		e := *ft.e
		e.t = t
		enr := e.enrollIn(instance, customerInfo(nil))
		object := "/v1/enrollments/" + enr["id"].(string)
		if ifMatch == "etag" {
			header["If-Match"] = ft.get(t, object).Header().Get("ETag")
		}
		w := ft.write(t, update, object, object, body, header)
		if w != nil && w.Code == http.StatusOK {
			ft.serve(t, http.MethodDelete, object, nil, nil)
		}
	})
}
