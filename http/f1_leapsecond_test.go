package http_test

import (
	"strings"
	"testing"
)

// TestF1LeapSecond: a leap second (23:59:60Z), which RFC 3339 allows, is
// refused wherever a time is read, as before, but saying so, rather than
// calling it "not an RFC 3339 date-time", which it is: the stores, Go and
// CEL have no leap seconds, so it could be kept only as another time.
func TestF1LeapSecond(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const leap = "2016-12-31T23:59:60Z"
	prog := e.createProgram("leap-" + uniq())
	inst := e.createInstance(map[string]any{"autoEvaluate": false,
		"parameters": []any{map[string]any{"externalId": "d", "name": "Day", "type": "date"}}})
	leapMessage := func(where string, p problem, at string) {
		t.Helper()
		for _, fe := range p.Errors {
			if fe.Location == at && strings.Contains(fe.Message, "leap second") {
				return
			}
		}
		t.Errorf("%s: %+v, want an error at %s saying leap seconds are not taken", where, p.Errors, at)
	}
	leapMessage("instance startDate", e.do("POST", "/v1/programs/"+prog+"/instances",
		map[string]any{"slug": "s-" + uniq(), "name": "n", "startDate": leap}).expect(422).problem(), "body.startDate")
	leapMessage("enrollmentStartDate", e.do("POST", "/v1/programInstances/"+inst+"/enrollments",
		customerInfo(map[string]any{"enrollmentStartDate": leap})).expect(422).problem(), "body.enrollmentStartDate")
	leapMessage("device installDate", e.do("POST", "/v1/programInstances/"+inst+"/enrollments",
		customerInfo(map[string]any{"devices": []any{map[string]any{"id": "x", "installDate": leap}}})).expect(422).problem(), "body.devices[0].installDate")
	leapMessage("createdAfter", e.do("GET", "/v1/enrollments?createdAfter="+leap, nil).expect(422).problem(), "query.createdAfter")
	leapMessage("date parameter", e.do("POST", "/v1/programInstances/"+inst+"/enrollments",
		customerInfo(map[string]any{"parameters": []any{map[string]any{"externalId": "d", "value": leap}}})).expect(422).problem(), "body.parameters[0].value")
	leapMessage("rules test sample", e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test",
		map[string]any{"enrollment": map[string]any{"enrollmentStartDate": leap}}).expect(422).problem(), "body.enrollment.enrollmentStartDate")

	// An import's rows likewise, CSV and NDJSON.
	j := e.waitImport(e.startImport(inst, csvUpload("firstName,lastName,email,enrollmentStartDate\nA,B,leap"+uniq()+"@example.com,"+leap+"\n"), "").ID)
	ndjson := upload{"application/x-ndjson", `{"identificationType": "customerInfo", "firstName": "A", "lastName": "B", "email": "leap` + uniq() + `@example.com", "enrollmentStartDate": "` + leap + `"}` + "\n"}
	k := e.waitImport(e.startImport(inst, ndjson, "").ID)
	for name, j := range map[string]job{"CSV": j, "NDJSON": k} {
		if j.ErrorCount != 1 || !strings.Contains(j.Errors[0].Message, "leap second") {
			t.Errorf("%s import with a leap second: %+v, want its row's error saying leap seconds are not taken", name, j)
		}
	}
}
