package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigrateEventInstance fills events.instance_id (migration 8) for
// events stored before it: an enrollment's instance, an instance's own id,
// and nothing for a program event.
func TestMigrateEventInstance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "old.db"), "FULL", "immediate", false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
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
