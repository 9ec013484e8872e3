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
