package http_test

import (
	"strings"
	"testing"
)

// TestBoundMessagesWriteWholeNumbers checks that a value past a schema
// bound is refused with the bound written as a person reads it: a page
// past 2147483647 or a capacity past 1000000000 names that number, not
// 2.147483647e+09 or 1e+09, which a client would show as it is.
func TestBoundMessagesWriteWholeNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	p := e.do("GET", "/v1/enrollments?page=2147483648", nil).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Message != "expected number <= 2147483647" {
		t.Errorf("page past its maximum: errors %+v, want one saying expected number <= 2147483647", p.Errors)
	}
	if strings.Contains(p.Detail, "e+") {
		t.Errorf("page past its maximum: detail %q writes the bound with an exponent", p.Detail)
	}

	prog := e.createProgram("bounds-" + uniq())
	p = e.do("POST", "/v1/programs/"+prog+"/instances", map[string]any{
		"slug": "a", "name": "A", "capacity": 1000000001,
	}).expect(422).problem()
	if len(p.Errors) != 1 || p.Errors[0].Message != "expected number <= 1000000000" {
		t.Errorf("capacity past its maximum: errors %+v, want one saying expected number <= 1000000000", p.Errors)
	}
}
