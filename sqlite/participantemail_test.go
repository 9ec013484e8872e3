package sqlite_test

import (
	"testing"

	"github.com/enrollhq/enroll/storetest"
)

// TestParticipantEmailsStored runs the conformance check of participant
// emails stored before mail relays' rules were checked, written behind
// the store's back.
func TestParticipantEmailsStored(t *testing.T) {
	t.Parallel()
	db, exec := openBehindBack(t)
	storetest.ParticipantEmailsStored(t, db, func(table, id, email string) {
		exec(`UPDATE `+table+` SET email_norm = lower(?1), doc = json_set(doc, '$.email', ?1) WHERE id = ?2`, email, id)
	})
}
