package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
)

// TestListOrderManyStatuses runs storetest.ExerciseListOrder on stores
// whose statuses are never few enough to sort (fewRows 0), so that lists
// filtered by status read them as lists of many do, by walking the sort's
// indexes (instance by instance, across instances by lastName).
func TestListOrderManyStatuses(t *testing.T) {
	t.Parallel()
	storetest.ExerciseListOrder(t, func(t *testing.T) enroll.Store {
		db, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.IntegrityCheck(context.Background()); err != nil {
				t.Error(err)
			}
			db.Close()
		})
		db.fewRows = 0
		return db
	})
}
