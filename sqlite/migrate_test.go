package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/pressly/goose/v3"
)

// TestMigrateEventInstance fills events.instance_id (migration 8) for
// events stored before it: an enrollment's instance, an instance's own id,
// and nothing for a program event.
func TestMigrateEventInstance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, p := migratedTo(t, filepath.Join(t.TempDir(), "old.db"), 7)
	for _, ev := range [][]string{
		{"evt_1", "enrollment.created", "enr1", `{"id":"evt_1","data":{"object":{"id":"enr1","programInstanceId":"inst1"}}}`},
		{"evt_2", "programInstance.updated", "inst2", `{"id":"evt_2","data":{"object":{"id":"inst2"}}}`},
		{"evt_3", "program.created", "prog1", `{"id":"evt_3","data":{"object":{"id":"prog1"}}}`},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO events (id, workspace_id, type, object_id, doc, created_at) VALUES (?, 'ws', ?, ?, ?, 0)`,
			ev[0], ev[1], ev[2], ev[3]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.UpTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	want := map[string]sql.NullString{"evt_1": {String: "inst1", Valid: true}, "evt_2": {String: "inst2", Valid: true}, "evt_3": {}}
	for id, w := range want {
		var got sql.NullString
		if err := db.QueryRowContext(ctx, `SELECT instance_id FROM events WHERE id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: instance_id %v, want %v", id, got, w)
		}
	}
}

// TestMigrateEventCounts counts the events stored before migration 10 into
// event_counts, by instance and type, and IntegrityCheck reports a counter
// that differs from its events (the store's own writes are checked by the
// IntegrityCheck every store test ends with).
func TestMigrateEventCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, p := migratedTo(t, path, 9)
	insert := func(id, typ string, instance any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at) VALUES (?, 'ws', ?, 'o', ?, '{}', 0)`,
			id, typ, instance); err != nil {
			t.Fatal(err)
		}
	}
	insert("evt_1", "enrollment.created", "inst1")
	insert("evt_2", "enrollment.created", "inst1")
	insert("evt_3", "program.created", nil)
	if _, err := p.UpTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	rows, err := db.QueryContext(ctx, `SELECT instance_id || '/' || type, n FROM event_counts WHERE workspace_id = 'ws'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		got[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"inst1/enrollment.created": 2, "/program.created": 1}
	if len(got) != len(want) {
		t.Fatalf("event_counts = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("event_counts = %v, want %v", got, want)
		}
	}

	store, err := Open(ctx, Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE event_counts SET n = n + 1 WHERE type = 'program.created'`); err != nil {
		t.Fatal(err)
	}
	if err := store.IntegrityCheck(ctx); err == nil || !strings.Contains(err.Error(), "event counters") {
		t.Fatalf("IntegrityCheck after a counter changed: %v", err)
	}
}

// migratedTo opens a database at path with its migrations applied up to
// version, and returns it, closed when the test ends, with the migration
// provider that goes on from there.
func migratedTo(t *testing.T, path string, version int64) (*sql.DB, *goose.Provider) {
	t.Helper()
	db, p := migrationConn(t, path, "FULL")
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db, p
}

// migrationHarness returns, for the database at path, a function that
// opens a migrated store on it and one that applies or rolls back
// migrations to a version while no store is open: what the storetest
// migration checks are given.
func migrationHarness(path string) (open func(*testing.T) enroll.Store, migrateTo func(*testing.T, int64)) {
	ctx := context.Background()
	open = func(t *testing.T) enroll.Store {
		s, err := Open(ctx, Config{Path: path, Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	migrateTo = func(t *testing.T, version int64) {
		db, p := migratedTo(t, path, version)
		if _, err := p.DownTo(ctx, version); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	return open, migrateTo
}

// TestMigrateNullMembers rewrites the enrollment documents stored before
// migration 13, which left out the members without a value, into the
// documents the store writes now: what the API answers for them then has
// every member, null when unset, as for any other enrollment.
func TestMigrateNullMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newImportBench(t, "NORMAL")
	e, err := s.db.CreateEnrollment(ctx, s.a, s.inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com", Notes: "<b>&",
		EligibilityStatus: enroll.StatusCandidate})
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.db.FindEnrollmentDoc(ctx, s.a.WorkspaceID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The document as it was stored before: no null members, here in
	// another order as well.
	var old map[string]any
	if err := json.Unmarshal(want.JSON, &old); err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]any{old, old["eligibility"].(map[string]any)} {
		for k, v := range m {
			if v == nil {
				delete(m, k)
			}
		}
	}
	oldDoc, _ := json.Marshal(old)
	if _, err := s.db.w.ExecContext(ctx, `UPDATE enrollments SET doc = ? WHERE id = ?`, string(oldDoc), e.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.db.FindEnrollmentDoc(ctx, s.a.WorkspaceID, e.ID)
	if err != nil || strings.Contains(string(got.JSON), "null") {
		t.Fatalf("old document = %s, %v", got.JSON, err)
	}
	tx, err := s.db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rewriteEnrollmentDocs(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err = s.db.FindEnrollmentDoc(ctx, s.a.WorkspaceID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.JSON) != string(want.JSON) || !strings.Contains(string(got.JSON), `"leadId":null`) {
		t.Errorf("rewritten = %s\nwant %s", got.JSON, want.JSON)
	}
}

// TestMigrateNames: every migration `enroll migrate` lists has a name, Go
// migrations (which goose names after no file) included.
func TestMigrateNames(t *testing.T) {
	t.Parallel()
	st, err := Migrate(context.Background(), filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st) < nullMembersVersion {
		t.Fatalf("%d migrations, want at least %d", len(st), nullMembersVersion)
	}
	for _, s := range st {
		if !s.Applied || s.Name == "" {
			t.Errorf("migration %d: name %q, applied %v", s.Version, s.Name, s.Applied)
		}
	}
}
