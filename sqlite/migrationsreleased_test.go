package sqlite_test

import (
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestMigrationsReleased: no released migration of this store changes
// (storetest.MigrationsReleased).
func TestMigrationsReleased(t *testing.T) {
	t.Parallel()
	storetest.MigrationsReleased(t, "migrations", "migrations.sha256")
}
