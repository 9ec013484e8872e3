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

// TestUniqueValuesUnregistered runs the conformance check of values held
// before their parameter was made unique, which writes the instance's
// document behind the store's back, as the store did before it
// registered such values.
func TestUniqueValuesUnregistered(t *testing.T) {
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
	storetest.UniqueValuesUnregistered(t, db, func(id string) {
		if _, err := raw.Exec(`UPDATE program_instances SET doc = json_set(doc, '$.parameters[0].constraints.unique', json('true')) WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
	})
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}
