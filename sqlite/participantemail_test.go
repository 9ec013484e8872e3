package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// TestParticipantEmailsStored runs the conformance check of participant
// emails stored before mail relays' rules were checked, written behind
// the store's back.
func TestParticipantEmailsStored(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "e.db")
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.ParticipantEmailsStored(t, db, func(table, id, email string) {
		if _, err := raw.Exec(`UPDATE `+table+` SET email_norm = lower(?1), doc = json_set(doc, '$.email', ?1) WHERE id = ?2`, email, id); err != nil {
			t.Fatal(err)
		}
	})
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}
