package http_test

import "testing"

// TestInstanceDatesErrorAtMemberSent checks that a PATCH moving one of an
// instance's dates past the other stored one is refused at the member
// the request sent: a startDate alone after the stored endDate is an
// error of body.startDate, not of body.endDate, which the request did not
// name; an endDate alone before the stored startDate, or both dates sent
// inverted, stay an error of body.endDate.
func TestInstanceDatesErrorAtMemberSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createInstance(map[string]any{"startDate": "2026-06-01T00:00:00Z", "endDate": "2026-12-01T00:00:00Z"})
	for _, tc := range []struct {
		name string
		body map[string]any
		loc  string
	}{
		{"startDate alone", map[string]any{"startDate": "2027-01-01T00:00:00Z"}, "body.startDate"},
		{"endDate alone", map[string]any{"endDate": "2026-01-01T00:00:00Z"}, "body.endDate"},
		{"both", map[string]any{"startDate": "2027-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"}, "body.endDate"},
	} {
		p := e.do("PATCH", "/v1/programInstances/"+id, tc.body).expect(422).problem()
		if locs := p.locations(); len(locs) != 1 || locs[0] != tc.loc {
			t.Errorf("%s: errors at %v, want [%s]: %s", tc.name, locs, tc.loc, p.Detail)
		}
	}
	got := e.do("GET", "/v1/programInstances/"+id, nil).expect(200).obj()
	if got["startDate"] != "2026-06-01T00:00:00Z" || got["endDate"] != "2026-12-01T00:00:00Z" {
		t.Errorf("dates %v, %v: want them unchanged", got["startDate"], got["endDate"])
	}
}
