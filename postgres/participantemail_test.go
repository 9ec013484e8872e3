package postgres_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// TestParticipantEmailsStored runs the conformance check of participant
// emails stored before mail relays' rules were checked, written behind
// the store's back.
func TestParticipantEmailsStored(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	db := openDB(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	storetest.ParticipantEmailsStored(t, db, func(table, id, email string) {
		if _, err := conn.Exec(ctx, `UPDATE `+table+` SET email_norm = lower($1), doc = jsonb_set(doc, '{email}', to_jsonb($1::text)) WHERE id = $2`, email, id); err != nil {
			t.Fatal(err)
		}
	})
}
