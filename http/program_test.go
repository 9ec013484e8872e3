package http_test

import (
	"slices"
	"strings"
	"testing"
)

// TestAPI_ProgramSlugs checks that every route taking a program's id or
// slug takes any slug a create accepts: up to 100 characters, while ids
// are at most 64.
func TestAPI_ProgramSlugs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, slug := range []string{
		strings.Repeat("a", 65),
		strings.Repeat("b", 100),
		strings.Repeat("c-", 49) + "cc",
	} {
		id := e.createProgram(slug)
		if got := e.do("GET", "/v1/programs/"+slug, nil).expect(200).obj()["id"]; got != id {
			t.Fatalf("GET by slug = %v, want %s", got, id)
		}
		e.do("PATCH", "/v1/programs/"+slug, map[string]any{"name": "Renamed"}, withHeader("Content-Type", "application/merge-patch+json")).expect(200)
		inst := e.do("POST", "/v1/programs/"+slug+"/instances", map[string]any{"slug": "y1", "name": "Y1"}).expect(201).obj()["id"].(string)
		for _, path := range []string{"/v1/programs/" + slug + "/instances", "/v1/programInstances?programId=" + slug} {
			if got := ids(e.do("GET", path, nil).expect(200).obj()); !slices.Equal(got, []string{inst}) {
				t.Errorf("GET %s = %v, want [%s]", path, got, inst)
			}
		}
		e.do("DELETE", "/v1/programInstances/"+inst, nil).expect(204)
		e.do("DELETE", "/v1/programs/"+slug, nil).expect(204)
		e.do("GET", "/v1/programs/"+id, nil).expect(404)
	}
}

// TestAPI_InstanceProgramFilter checks that GET /v1/programInstances's
// programId narrows the list as the enrollment lists' customerId does: an
// unknown program, or another workspace's, matches nothing, rather than
// answering 404 as a path naming it does.
func TestAPI_InstanceProgramFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(nil)
	prog := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()["programId"].(string)
	_, _, other := e.newWorkspace()
	for _, program := range []string{"nope", "mwulzlcxojl24agjvx599ls8", prog} {
		r := e.do("GET", "/v1/programInstances?programId="+program, nil, withKey(other)).expect(200).obj()
		if got := ids(r); len(got) != 0 || r["totalItems"] != float64(0) {
			t.Errorf("programId=%s: %v, totalItems %v; want none", program, got, r["totalItems"])
		}
	}
	e.do("GET", "/v1/programs/nope/instances", nil).expect(404).problem()
	if got := ids(e.do("GET", "/v1/programInstances?programId="+prog, nil).expect(200).obj()); !slices.Equal(got, []string{inst}) {
		t.Errorf("programId=%s: %v, want [%s]", prog, got, inst)
	}
	if p := e.do("GET", "/v1/programInstances?programId="+strings.Repeat("a", 101), nil).expect(422).problem(); !p.hasLocation("query.programId") {
		t.Errorf("a programId longer than any slug: errors at %v", p.locations())
	}
}
