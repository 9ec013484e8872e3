package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWorkspaceCreateTakesNameAsArgument checks that `enroll workspace
// create acme` creates acme, as SPEC's `enroll workspace create` reads,
// as --name does; that the two may not disagree; and that a name is still
// required.
func TestWorkspaceCreateTakesNameAsArgument(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	for _, args := range [][]string{{"acme"}, {"other", "--name", "other"}} {
		out, err := run(t, append([]string{"workspace", "create", "--db", db, "--json"}, args...)...)
		if err != nil {
			t.Fatalf("workspace create %q: %v\n%s", args, err, out)
		}
		var res struct{ Workspace struct{ Name string } }
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Workspace.Name != args[0] {
			t.Fatalf("workspace create %q made %q (%v)\n%s", args, res.Workspace.Name, err, out)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"one", "--name", "two"}, "two names"},
		{[]string{"one", "two"}, "accepts at most 1 arg"},
		{nil, "name"},
	} {
		out, err := run(t, append([]string{"workspace", "create", "--db", db}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("workspace create %q: %v, want an error saying %q\n%s", c.args, err, c.want, out)
		}
	}
}
