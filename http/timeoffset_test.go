package http_test

import "testing"

// TestTimeOffsetOfADay sends times whose UTC offset is a day (+24:00),
// which Go's parser takes and RFC 3339 does not: each is a 422 at its
// member, and nothing is stored. They were stored, or failed the write,
// as a 500: the encoder refuses the offset.
func TestTimeOffsetOfADay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.manualInstance()
	const day = "2026-01-01T00:00:00+24:00"
	for _, c := range []struct {
		method, path string
		body         map[string]any
		at           string
	}{
		{"PATCH", "/v1/programInstances/" + inst, map[string]any{"startDate": day}, "body.startDate"},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(map[string]any{"enrollmentStartDate": day}), "body.enrollmentStartDate"},
		{"POST", "/v1/programInstances/" + inst + "/enrollments", customerInfo(map[string]any{"devices": []any{map[string]any{"id": "d1", "installDate": day}}}),
			"body.devices[0].installDate"},
	} {
		if p := e.do(c.method, c.path, c.body).expect(422).problem(); !p.hasLocation(c.at) {
			t.Errorf("%s %s: no error at %s; got %v", c.method, c.path, c.at, p.locations())
		}
	}
	if n := e.total("/v1/programInstances/" + inst + "/enrollments"); n != 0 {
		t.Errorf("%d enrollments stored", n)
	}
	e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"startDate": "2026-01-01T00:00:00-23:59"}).expect(200)
}
