package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestWorkspaceNamesOfAnIDsForm checks that a workspace cannot be named
// with another's id, and that --workspace names one workspace or is
// refused: a name given before such names were refused may be another
// workspace's id.
func TestWorkspaceNamesOfAnIDsForm(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	create := func(name string) string {
		t.Helper()
		out, err := run(t, "workspace", "create", "--name", name, "--db", db, "--json")
		if err != nil {
			t.Fatalf("workspace create %q: %v\n%s", name, err, out)
		}
		var res struct{ Workspace struct{ ID string } }
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		return res.Workspace.ID
	}
	acme := create("acme")
	other := create("other")
	for _, name := range []string{acme, " " + other + " ", enroll.NewID()} {
		if out, err := run(t, "workspace", "create", "--name", name, "--db", db); err == nil ||
			!strings.Contains(err.Error(), "must not have the form of an id") {
			t.Fatalf("workspace create --name %q: %v\n%s", name, err, out)
		}
	}

	// Workspaces named before such names were refused: one with acme's id,
	// one with an id no workspace has.
	clash, lone := enroll.NewID(), enroll.NewID()
	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for id, name := range map[string]string{clash: acme, lone: strings.Repeat("a", 24)} {
		if _, err := raw.Exec(`INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`, id, name, time.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"key", "create"}, {"key", "list"}, {"key", "revoke", "k"}} {
		out, err := run(t, append(args, "--workspace", acme, "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), "names two workspaces") || !strings.Contains(err.Error(), clash) {
			t.Fatalf("%v --workspace %s: %v\n%s", args, acme, err, out)
		}
	}
	for value, want := range map[string]string{"acme": acme, clash: clash, strings.Repeat("a", 24): lone, other: other} {
		out, err := run(t, "key", "create", "--workspace", value, "--db", db, "--json")
		if err != nil {
			t.Fatalf("key create --workspace %s: %v\n%s", value, err, out)
		}
		var k struct{ ID string }
		if err := json.Unmarshal([]byte(out), &k); err != nil {
			t.Fatal(err)
		}
		var ws string
		if err := raw.QueryRow(`SELECT workspace_id FROM api_keys WHERE id = ?`, k.ID).Scan(&ws); err != nil || ws != want {
			t.Fatalf("key create --workspace %s: a key of %s (%v), want %s", value, ws, err, want)
		}
	}
}

// TestKeyListEscapesNames: a key's name, which anyone holding keys:write
// chooses, is printed with its control characters escaped, so that it
// cannot clear the operator's screen, retitle the window, or add a row
// to the table.
func TestKeyListEscapesNames(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	if out, err := run(t, "workspace", "create", "--name", "acme", "--db", db); err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	const evil = "x\x1b]0;pwned\a\x1b[2Jfake\nmww000000000000000000000  admin  sk_FAKE  secret\tand\u202eright-to-left"
	for _, name := range []string{evil, "plain name é"} {
		if out, err := run(t, "key", "create", "--workspace", "acme", "--db", db, "--name", name); err != nil {
			t.Fatalf("key create --name %q: %v\n%s", name, err, out)
		}
	}
	out, err := run(t, "key", "list", "--workspace", "acme", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\a\t\u202e") || strings.Count(out, "\n") != 4 || strings.Contains(out, "\nmww0") ||
		!strings.Contains(out, `"x\x1b]0;pwned\a\x1b[2Jfake\nmww000000000000000000000  admin  sk_FAKE  secret\tand\u202eright-to-left"`) ||
		!strings.Contains(out, "  plain name é  ") {
		t.Fatalf("key list printed:\n%s", out)
	}
}

// TestCommandsRefuseNoDatabase: the commands that read or change a
// database (workspace, key) refuse a --db where there is none, rather than
// create and migrate a new one and then report the workspace missing;
// without --db, that is ./enroll.db.
func TestCommandsRefuseNoDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"key", "list", "--workspace", "default"},
		{"key", "create", "--workspace", "default"},
		{"key", "revoke", "k", "--workspace", "default"},
		{"workspace", "create", "--name", "acme"},
	} {
		out, err := run(t, append(args, "--db", typo)...)
		if err == nil || !strings.HasPrefix(err.Error(), "no database at "+typo+": ") {
			t.Errorf("%v --db %s: %v\n%s", args, typo, err, out)
		}
		if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v --db %s made the database (%v)", args, typo, err)
		}
	}
	// No --db: enroll.db in the current directory, which is not made.
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ENROLL_TEST_CHILD_ARGS=key list --workspace default")
	out, err := cmd.CombinedOutput()
	if err == nil || string(out) != "enroll: no database at enroll.db: give --db (or ENROLL_DB) the database enroll serve uses; enroll serve or enroll migrate creates one\n" {
		t.Fatalf("key list without --db: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "enroll.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("key list without --db made enroll.db (%v)", err)
	}
	// serve and migrate make it.
	if out, err := run(t, "migrate", "--db", typo); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err := run(t, "workspace", "create", "--name", "acme", "--db", typo); err != nil {
		t.Fatalf("workspace create once migrated: %v\n%s", err, out)
	}
}
