package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
	"github.com/enrollhq/enroll/storetest"
)

// openTestDB opens a store on a new file in a temporary directory.
func openTestDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.IntegrityCheck(context.Background()); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return db
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) enroll.Store { return openTestDB(t) })
}

func TestStoreRulesChecks(t *testing.T) {
	t.Parallel()
	storetest.ExerciseRulesChecks(t, func(t *testing.T, wrap func(enroll.RuleEngine) enroll.RuleEngine) enroll.Store {
		db, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: wrap(rules.New())})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
