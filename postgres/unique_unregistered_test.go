package postgres_test

import (
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestUniqueValuesUnregistered runs the conformance check of values held
// before their parameter was made unique, which writes the instance's
// document behind the store's back, as the store did before it
// registered such values.
func TestUniqueValuesUnregistered(t *testing.T) {
	t.Parallel()
	db, exec := openBehindBack(t)
	storetest.UniqueValuesUnregistered(t, db, func(id string) {
		exec(`UPDATE program_instances SET doc = jsonb_set(doc, '{parameters,0,constraints,unique}', 'true') WHERE id = $1`, id)
	})
}
