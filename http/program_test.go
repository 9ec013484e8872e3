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

// TestAPI_ProgramStatesSet checks that a program's states are a set, as
// an enrollment's tags are: a repeat is a 422 at the repeated item on
// create and PATCH, and the OpenAPI document marks the lists
// uniqueItems.
func TestAPI_ProgramStatesSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createProgram("states-set")
	for _, c := range []struct {
		name, method, path string
		body               map[string]any
		location           string
	}{
		{"create", "POST", "/v1/programs", map[string]any{"slug": "twice", "name": "Twice", "states": []string{"NY", "CA", "NY"}}, "body.states[2]"},
		{"patch", "PATCH", "/v1/programs/" + id, map[string]any{"states": []string{"NY", "NY"}}, "body.states[1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := e.do(c.method, c.path, c.body).expect(422).problem()
			if len(p.Errors) != 1 || p.Errors[0].Location != c.location || p.Errors[0].Message != "is listed twice" || p.Errors[0].Value != "NY" {
				t.Fatalf("errors = %+v, want %s listed twice", p.Errors, c.location)
			}
		})
	}
	t.Run("nothing refused is written", func(t *testing.T) {
		t.Parallel()
		e.do("GET", "/v1/programs/twice", nil).expect(404)
	})
	t.Run("the document says it", func(t *testing.T) {
		t.Parallel()
		props := e.schemaProperties()
		for _, s := range []string{"ProgramCreate", "ProgramPatch"} {
			if p := props[s]["states"]; p["uniqueItems"] != true {
				t.Errorf("%s.states = %v, want uniqueItems", s, p)
			}
		}
	})
}

// TestAPI_ProgramStatesStoredWithRepeat checks that a program stored with
// a repeated state before states were a set stays editable while its
// states are left as read (SQLite only: it edits the file, and the stores
// share Program.ValidateChange).
func TestAPI_ProgramStatesStoredWithRepeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.createProgram("states-stored")
	// As an older release stored it.
	e.exec(`UPDATE programs SET doc = json_set(doc, '$.states', json('["NY","NY"]')) WHERE id = ?`, old)
	got := e.do("PATCH", "/v1/programs/"+old, map[string]any{"name": "Renamed"}).expect(200).obj()
	got = e.do("PATCH", "/v1/programs/"+old, map[string]any{"name": "Again", "states": got["states"]}).expect(200).obj()
	if !slices.Equal(stringList(got["states"]), []string{"NY", "NY"}) {
		t.Fatalf("states = %v", got["states"])
	}
	e.do("PATCH", "/v1/programs/"+old, map[string]any{"states": []string{"NY", "NY", "CA"}}).expect(422)
	got = e.do("PATCH", "/v1/programs/"+old, map[string]any{"states": []string{"NY", "CA"}}).expect(200).obj()
	if !slices.Equal(stringList(got["states"]), []string{"NY", "CA"}) {
		t.Fatalf("states = %v", got["states"])
	}
}
