package sqlite

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
const openLeadVersion = 21

// openLeadWhere is the condition of the open enrollments the new index holds.
const openLeadWhere = `lead_id IS NOT NULL AND status NOT IN ('rejected', 'unenrolled')`

// reindexOpenLeads replaces enrollments_open_lead with the index over every
// open enrollment of a lead. Open enrollments that already share a lead and
// an instance (made before this release) are left out of the index, all
// but the first of each by id, and logged: refusing to start would leave
// the operator no service to close them with, and closing one for them
// would lose an enrollment.
func reindexOpenLeads(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.lead_id, e.instance_id FROM enrollments e WHERE e.`+openLeadWhere+`
		AND EXISTS (SELECT 1 FROM enrollments o WHERE o.instance_id = e.instance_id AND o.lead_id = e.lead_id
			AND o.status NOT IN ('rejected', 'unenrolled') AND o.id < e.id)
		ORDER BY e.id`)
	if err != nil {
		return fmt.Errorf("sqlite: find leads' duplicate enrollments: %w", err)
	}
	var quoted []string
	for rows.Next() {
		var id, lead, inst string
		if err := rows.Scan(&id, &lead, &inst); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: find leads' duplicate enrollments: %w", err)
		}
		slog.WarnContext(ctx, "a lead holds more than one open enrollment in an instance; unenroll or delete all but one",
			"enrollment", id, "lead", lead, "instance", inst)
		quoted = append(quoted, "'"+strings.ReplaceAll(id, "'", "''")+"'")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: find leads' duplicate enrollments: %w", err)
	}
	where := openLeadWhere
	if len(quoted) > 0 {
		where += " AND id NOT IN (" + strings.Join(quoted, ", ") + ")"
	}
	return replaceOpenLeadIndex(ctx, tx, where)
}

// restoreOpenLeads puts back the index of the release before.
func restoreOpenLeads(ctx context.Context, tx *sql.Tx) error {
	return replaceOpenLeadIndex(ctx, tx, "customer_id IS NULL AND "+openLeadWhere)
}

// replaceOpenLeadIndex recreates enrollments_open_lead over the rows where holds.
func replaceOpenLeadIndex(ctx context.Context, tx *sql.Tx, where string) error {
	if _, err := tx.ExecContext(ctx, `DROP INDEX enrollments_open_lead`); err != nil {
		return fmt.Errorf("sqlite: drop enrollments_open_lead: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX enrollments_open_lead ON enrollments (instance_id, lead_id) WHERE `+where); err != nil {
		return fmt.Errorf("sqlite: create enrollments_open_lead: %w", err)
	}
	return nil
}
