package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestMigrateUniqueValues registers the values of parameters made unique
// while a release registered nothing then (storetest.MigrateUniqueValues).
func TestMigrateUniqueValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "enroll.db")
	open, migrateTo := migrationHarness(path)
	storetest.MigrateUniqueValues(t, storetest.UniqueValuesMigration{
		Open: open,
		Down: func(t *testing.T) { migrateTo(t, uniqueValuesVersion-1) },
		Up: func(t *testing.T, log *slog.Logger) {
			db, err := sql.Open("sqlite", dsn(path, "FULL", "immediate", false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := providerOf(db, goMigrationsLogging(log))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, uniqueValuesVersion); err != nil {
				t.Fatal(err)
			}
		},
		Unregister: func(t *testing.T, instanceID string) {
			db, err := sql.Open("sqlite", dsn(path, "FULL", "immediate", false))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			for _, q := range []string{
				`UPDATE program_instances SET doc = json_set(doc, '$.parameters',
					json((SELECT json_group_array(json_set(value, '$.constraints.unique', json('true'))) FROM json_each(doc, '$.parameters'))))
					WHERE id = ?`,
				`DELETE FROM enrollment_unique_values WHERE instance_id = ?`,
			} {
				if _, err := db.ExecContext(ctx, q, instanceID); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		},
	})
	s := open(t)
	defer s.Close()
	if err := s.(*DB).IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
