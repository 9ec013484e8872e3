package http_test

import (
	"strings"
	"testing"
)

// TestF1CapacityBeyondInt64: an integer member the document bounds
// (an instance's capacity, at most 1,000,000,000) sent beyond ±2^53 is
// refused for its range, as 1000000001 is, not told to be sent as a
// string, which its schema then refuses as "expected integer": a client
// following the messages went round in a loop.
func TestF1CapacityBeyondInt64(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := e.createProgram("cap-" + uniq())
	inst := e.manualInstance()
	for _, n := range []string{"9223372036854775808", "99999999999999999999", "9007199254740993", "1000000001"} {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/v1/programs/" + prog + "/instances", `{"slug": "s-` + uniq() + `", "name": "n", "capacity": ` + n + `}`},
			{"PATCH", "/v1/programInstances/" + inst, `{"capacity": ` + n + `}`},
		} {
			p := e.do(req.method, req.path, raw(req.body)).expect(422).problem()
			if len(p.Errors) != 1 || p.Errors[0].Location != "body.capacity" ||
				!strings.Contains(p.Errors[0].Message, "1000000000") || strings.Contains(p.Errors[0].Message, "string") {
				t.Errorf("%s %s capacity %s: %+v, want one error at body.capacity naming its range", req.method, req.path, n, p.Errors)
			}
		}
	}
	// The eligibility test's limit likewise.
	p := e.do("POST", "/v1/programInstances/"+inst+"/eligibility:test",
		raw(`{"current": true, "limit": 9223372036854775808}`)).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.limit" || !strings.Contains(p.Errors[0].Message, "100000") {
		t.Errorf("eligibility test with a huge limit: %+v, want one error at body.limit naming its range", p.Errors)
	}
	// Free-form members still refuse what a float would round.
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/v1/programs/" + prog + "/instances", `{"slug": "s-` + uniq() + `", "name": "n", "metadata": {"n": 9007199254740993}}`},
		{"PATCH", "/v1/programInstances/" + inst, `{"metadata": {"n": 9007199254740993}}`},
	} {
		p := e.do(req.method, req.path, raw(req.body)).expect(422).problem()
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.metadata.n" || !strings.Contains(p.Errors[0].Message, "send it as a string") {
			t.Errorf("%s %s: %+v, want the 2^53 refusal at body.metadata.n", req.method, req.path, p.Errors)
		}
	}
}
