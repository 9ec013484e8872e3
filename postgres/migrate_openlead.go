package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
)

// openLeadVersion is the migration that makes the index enrollments_open_lead
// hold every open enrollment of a lead, whether it has a customer or not.
// It held only those without one, so a lead enrolled before it became a
// customer, and again after, held two open enrollments in one instance.
const openLeadVersion = 20

// openLeadWhere is the condition of the open enrollments the new index holds.
const openLeadWhere = `lead_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled')`

// reindexOpenLeads replaces enrollments_open_lead with the index over every
// open enrollment of a lead, built CONCURRENTLY outside a transaction, for
// the reason migration 13 gives: a plain build would hold every read and
// write of enrollments, the previous release's replicas' too, for the
// seconds it takes at a million rows. Open enrollments that already share a lead and
// an instance (made before this release) are left out of the index, all
// but the first of each by id, and logged: refusing to start would leave
// the operator no service to close them with, and closing one for them
// would lose an enrollment.
func reindexOpenLeads(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT e.id, e.lead_id, e.instance_id FROM enrollments e WHERE e.`+openLeadWhere+`
		AND EXISTS (SELECT 1 FROM enrollments o WHERE o.instance_id = e.instance_id AND o.lead_id = e.lead_id
			AND o.status NOT IN ('rejected', 'unenrolled') AND o.id < e.id)
		ORDER BY e.id`)
	if err != nil {
		return fmt.Errorf("postgres: find leads' duplicate enrollments: %w", err)
	}
	var quoted []string
	for rows.Next() {
		var id, lead, inst string
		if err := rows.Scan(&id, &lead, &inst); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: find leads' duplicate enrollments: %w", err)
		}
		slog.WarnContext(ctx, "a lead holds more than one open enrollment in an instance; unenroll or delete all but one",
			"enrollment", id, "lead", lead, "instance", inst)
		quoted = append(quoted, "'"+strings.ReplaceAll(id, "'", "''")+"'")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: find leads' duplicate enrollments: %w", err)
	}
	where := openLeadWhere
	if len(quoted) > 0 {
		where += " AND id NOT IN (" + strings.Join(quoted, ", ") + ")"
	}
	return replaceOpenLeadIndex(ctx, db, where)
}

// restoreOpenLeads puts back the index of the release before.
func restoreOpenLeads(ctx context.Context, db *sql.DB) error {
	return replaceOpenLeadIndex(ctx, db, "customer_id IS NULL AND "+openLeadWhere)
}

// replaceOpenLeadIndex recreates enrollments_open_lead over the rows where
// holds: built beside the old one under another name, then swapped in.
// Each step can be run again: a run cut short leaves at worst an invalid
// enrollments_open_lead_new, dropped first, or no old index to drop. A
// row that breaks the new index meanwhile (a replica of the release
// before enrolling the lead again) fails the build; the next start finds
// it and leaves it out.
func replaceOpenLeadIndex(ctx context.Context, db *sql.DB, where string) error {
	for _, q := range []string{
		`DROP INDEX CONCURRENTLY IF EXISTS enrollments_open_lead_new`,
		`CREATE UNIQUE INDEX CONCURRENTLY enrollments_open_lead_new ON enrollments (instance_id, lead_id) WHERE ` + where,
		`DROP INDEX CONCURRENTLY IF EXISTS enrollments_open_lead`,
		`ALTER INDEX enrollments_open_lead_new RENAME TO enrollments_open_lead`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("postgres: replace enrollments_open_lead: %w", err)
		}
	}
	return nil
}
