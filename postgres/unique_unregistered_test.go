package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestUniqueValuesUnregistered runs the conformance check of values held
// before their parameter was made unique, which writes the instance's
// document behind the store's back, as the store did before it
// registered such values.
func TestUniqueValuesUnregistered(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	storetest.UniqueValuesUnregistered(t, db, func(id string) {
		if _, err := conn.Exec(ctx, `UPDATE program_instances SET doc = jsonb_set(doc, '{parameters,0,constraints,unique}', 'true') WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	})
}
