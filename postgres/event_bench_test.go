package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
)

// BenchmarkListEventsAfter is a poller of a whole workspace of 300,000
// published events catching up from its first event, 500 a poll (starting
// over at the end): each poll counts its backlog from the last one's
// (enroll.Backlogs), or, uncached, whole. The events are written straight
// into the table, dispatched; only the list reads them.
func BenchmarkListEventsAfter(b *testing.B) {
	ctx := context.Background()
	db, a, url := benchStore(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO events (id, workspace_id, type, object_id, doc, created_at, dispatched, dispatch_seq)
		SELECT 'ev' || lpad(g::text, 7, '0'), $1, 'enrollment.created', 'o' || g,
			jsonb_build_object('id', 'ev' || lpad(g::text, 7, '0'), 'type', 'enrollment.created', 'createdAt', '2026-11-24T00:00:00Z',
				'data', jsonb_build_object('object', jsonb_build_object('id', 'o' || g, 'firstName', 'Suzie', 'lastName', 'Homeowner'))),
			now(), true, g
		FROM generate_series(1, 300000) g`, a.WorkspaceID); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE events`); err != nil {
		b.Fatal(err)
	}
	for _, cached := range []bool{true, false} {
		name := "walk"
		if !cached {
			name += "-uncached"
		}
		b.Run(name, func(b *testing.B) {
			f := enroll.EventFilter{After: "ev0000001", ListParams: enroll.ListParams{PerPage: 500}}
			for b.Loop() {
				if !cached {
					postgres.ForgetBacklogs(db)
				}
				p, err := db.ListEvents(ctx, a.WorkspaceID, f)
				if err != nil {
					b.Fatal(err)
				}
				f.After = "ev0000001"
				if len(p.Data) > 0 {
					f.After = p.Data[len(p.Data)-1].ID
				}
			}
		})
	}
}
