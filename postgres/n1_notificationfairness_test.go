package postgres_test

import (
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/storetest"
)

// TestStoreNotificationFairness runs storetest.ExerciseNotificationFairness
// on PostgreSQL.
func TestStoreNotificationFairness(t *testing.T) {
	t.Parallel()
	storetest.ExerciseNotificationFairness(t, func(t *testing.T) enroll.Store { return openDB(t, newDatabase(t)) })
}
