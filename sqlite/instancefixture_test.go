package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/pressly/goose/v3"
)

// instanceFixture is a store on a new file with a workspace, a program and
// one instance of it, which a test writes enrollments into.
type instanceFixture struct {
	db   *DB
	path string
	a    enroll.Actor
	inst *enroll.ProgramInstance
}

// newInstanceFixture opens a store on the file name in the test's folder,
// closed when the test ends, with inst (given the program here) as its
// instance; name also names the workspace, the key and the requests.
func newInstanceFixture(tb testing.TB, name, synchronous string, inst *enroll.ProgramInstance) *instanceFixture {
	tb.Helper()
	ctx := context.Background()
	f := &instanceFixture{path: filepath.Join(tb.TempDir(), name+".db"), inst: inst}
	db, err := Open(ctx, Config{Path: f.path, Engine: rules.New(), Synchronous: synchronous})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f.db = db
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: name}
	key, _ := enroll.NewAPIKey(ws.ID, name, nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		tb.Fatal(err)
	}
	f.a = enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID, RequestID: "req_" + name}
	p := &enroll.Program{Slug: "solar", Name: "Solar"}
	if err := db.CreateProgram(ctx, f.a, p); err != nil {
		tb.Fatal(err)
	}
	inst.ProgramID = p.ID
	if err := db.CreateInstance(ctx, f.a, inst); err != nil {
		tb.Fatal(err)
	}
	return f
}

// migrationConn opens another connection to the database at path, closed
// when the test ends, with the migration provider on it.
func migrationConn(t *testing.T, path, synchronous string) (*sql.DB, *goose.Provider) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, synchronous, "immediate", false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := provider(db)
	if err != nil {
		t.Fatal(err)
	}
	return db, p
}

// columnPairs returns the two columns of each row query reads from q.
func columnPairs(t *testing.T, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) [][2]sql.NullString {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]sql.NullString
	for rows.Next() {
		var p [2]sql.NullString
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
