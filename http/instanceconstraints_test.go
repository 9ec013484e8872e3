package http_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestInstanceConstraints_Saved checks that a parameter declaration saved
// before its constraints were checked (a pattern on a number) blocks no
// other change, nor a PATCH that sends the instance back as read, while a
// new declaration like it is a 422.
func TestInstanceConstraints_Saved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"parameters": []any{map[string]any{"externalId": "kw", "name": "kW", "type": "number"}}})
	// What an earlier release accepted, written as it would have been.
	a := enroll.Actor{WorkspaceID: e.wsID}
	if _, err := e.store.UpdateInstance(context.Background(), a, inst, func(in *enroll.ProgramInstance) error {
		in.Parameters[0].Constraints.Pattern = "^[0-9]+$"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"name": "Renamed"}).expect(200)
	read := e.do("GET", "/v1/programInstances/"+inst, nil).expect(200).obj()
	e.do("PATCH", "/v1/programInstances/"+inst, read).expect(200)
	p := e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"parameters": []any{
		read["parameters"].([]any)[0],
		map[string]any{"externalId": "ok", "name": "OK", "type": "boolean", "constraints": map[string]any{"pattern": "^t"}},
	}}).expect(422).problem()
	if !p.hasLocation("body.parameters[1].constraints.pattern") || p.hasLocation("body.parameters[0].constraints.pattern") {
		t.Errorf("errors at %v", p.locations())
	}
	e.do("POST", "/v1/programs/"+read["programId"].(string)+"/instances", map[string]any{"slug": "new-bad", "name": "N",
		"parameters": []any{map[string]any{"externalId": "n", "name": "N", "type": "number", "constraints": map[string]any{"options": []string{"1"}}}}}).
		expect(422).problem()
}

// TestInstanceNULPatternStoredBefore: a pattern holding NUL, which SQLite
// stored before such a pattern was refused, does not block a change of
// anything else, nor a PATCH that sends it back as read; a new one is a
// 422 (TestAPI_422).
func TestInstanceNULPatternStoredBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inst := e.createInstance(map[string]any{"parameters": []any{map[string]any{"externalId": "s", "name": "S", "type": "string",
		"constraints": map[string]any{"pattern": "^a$"}}}})
	// As an older release stored it (skipped on PostgreSQL, which never could).
	e.exec(`UPDATE program_instances SET doc = json_set(doc, '$.parameters[0].constraints.pattern', 'a' || char(0)) WHERE id = ?`, inst)
	got := e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"name": "renamed"}).expect(200).obj()
	e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"parameters": got["parameters"]}).expect(200)
	e.do("PATCH", "/v1/programInstances/"+inst, map[string]any{"parameters": []any{map[string]any{"externalId": "s", "name": "S", "type": "string",
		"constraints": map[string]any{"pattern": "b\x00"}}}}).expect(422)
}
