package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// integrityChecks are queries that return a description of each problem
// they find (at most a few rows each). PostgreSQL enforces the foreign keys
// itself; these check what constraints cannot express.
var integrityChecks = []struct{ name, query string }{
	{"counters equal the enrollments they count", `
		SELECT format('instance %s status %s: counter %s, enrollments %s', COALESCE(c.instance_id, e.instance_id),
			COALESCE(c.status, e.status), COALESCE(c.n, 0), COALESCE(e.n, 0))
		FROM enrollment_counts c
		FULL JOIN (SELECT workspace_id, instance_id, status, COUNT(*) AS n FROM enrollments GROUP BY 1, 2, 3) e
			ON e.workspace_id = c.workspace_id AND e.instance_id = c.instance_id AND e.status = c.status
		WHERE COALESCE(c.n, 0) <> COALESCE(e.n, 0)
		LIMIT 5`},
	{"label counters equal the enrollments they count", `
		SELECT format('instance %s %s %s status %s: counter %s, enrollments %s', COALESCE(c.instance_id, e.instance_id),
			COALESCE(c.kind, e.kind), COALESCE(c.value, e.value), COALESCE(c.status, e.status), COALESCE(c.n, 0), COALESCE(e.n, 0))
		FROM (SELECT workspace_id, instance_id, kind, value, status, SUM(n) AS n FROM enrollment_label_counts GROUP BY 1, 2, 3, 4, 5) c
		FULL JOIN (SELECT e.workspace_id, e.instance_id, l.kind, l.value, e.status, COUNT(*) AS n
				FROM enrollments e CROSS JOIN LATERAL ` + labelsOf + ` GROUP BY 1, 2, 3, 4, 5) e
			ON e.workspace_id = c.workspace_id AND e.instance_id = c.instance_id AND e.kind = c.kind AND e.value = c.value AND e.status = c.status
		WHERE COALESCE(c.n, 0) <> COALESCE(e.n, 0)
		LIMIT 5`},
	{"customer counters equal the customers they count", `
		SELECT format('workspace %s: counter %s, customers %s', COALESCE(c.workspace_id, e.workspace_id), COALESCE(c.n, 0), COALESCE(e.n, 0))
		FROM (SELECT workspace_id, SUM(n) AS n FROM customer_counts GROUP BY 1) c
		FULL JOIN (SELECT workspace_id, COUNT(*) AS n FROM customers GROUP BY 1) e ON e.workspace_id = c.workspace_id
		WHERE COALESCE(c.n, 0) <> COALESCE(e.n, 0)
		LIMIT 5`},
	{"delivery counters equal the deliveries they count", `
		SELECT format('endpoint %s status %s: counter %s, deliveries %s', COALESCE(c.endpoint_id, d.endpoint_id),
			COALESCE(c.status, d.status), COALESCE(c.n, 0), COALESCE(d.n, 0))
		FROM (SELECT workspace_id, endpoint_id, status, SUM(n) AS n FROM webhook_delivery_counts GROUP BY 1, 2, 3) c
		FULL JOIN (SELECT workspace_id, endpoint_id, status, COUNT(*) AS n FROM webhook_deliveries GROUP BY 1, 2, 3) d
			ON d.workspace_id = c.workspace_id AND d.endpoint_id = c.endpoint_id AND d.status = c.status
		WHERE COALESCE(c.n, 0) <> COALESCE(d.n, 0)
		LIMIT 5`},
	{"indexed columns match the documents", `
		SELECT format('enrollment %s: columns (%s, %s, %s) vs document', id, status, instance_id, customer_id)
		FROM enrollments
		WHERE doc->>'id' IS DISTINCT FROM id
			OR doc->'eligibility'->>'status' IS DISTINCT FROM status
			OR doc->>'programInstanceId' IS DISTINCT FROM instance_id
			OR doc->>'customerId' IS DISTINCT FROM customer_id
			OR doc->>'leadId' IS DISTINCT FROM lead_id
		LIMIT 5`},
	{"every enrollment has a history", `
		SELECT format('enrollment %s has no history', e.id)
		FROM enrollments e
		WHERE NOT EXISTS (SELECT 1 FROM status_changes s WHERE s.workspace_id = e.workspace_id AND s.enrollment_id = e.id)
		LIMIT 5`},
	{"histories are paths ending at the current status", `
		WITH h AS (
			SELECT s.workspace_id, s.enrollment_id, s.seq, s.doc->>'from' AS f, s.doc->>'to' AS t,
				lag(s.doc->>'to') OVER w AS prev_to,
				row_number() OVER w AS pos,
				row_number() OVER (PARTITION BY s.workspace_id, s.enrollment_id ORDER BY s.seq DESC) AS rpos
			FROM status_changes s
			WINDOW w AS (PARTITION BY s.workspace_id, s.enrollment_id ORDER BY s.seq))
		SELECT format('enrollment %s: history entry %s (%s -> %s) after %s, enrollment is %s', h.enrollment_id, h.seq,
			COALESCE(h.f, ''), h.t, COALESCE(h.prev_to, 'nothing'), e.status)
		FROM h JOIN enrollments e ON e.workspace_id = h.workspace_id AND e.id = h.enrollment_id
		WHERE (h.pos = 1 AND h.f IS NOT NULL)
			OR (h.pos > 1 AND h.f IS DISTINCT FROM h.prev_to)
			OR (h.rpos = 1 AND h.t IS DISTINCT FROM e.status)
		LIMIT 5`},
	{"unique parameter values are held by open enrollments of their instance", `
		SELECT format('enrollment %s (%s) holds %s = %s in instance %s', u.enrollment_id, e.status, u.external_id, u.value, u.instance_id)
		FROM enrollment_unique_values u
		JOIN enrollments e ON e.workspace_id = u.workspace_id AND e.id = u.enrollment_id
		WHERE e.status IN ('rejected', 'unenrolled') OR e.instance_id <> u.instance_id
		LIMIT 5`},
	{"event counters equal the events they count", `
		SELECT format('workspace %s instance %s type %s: counter %s, events %s', COALESCE(c.workspace_id, e.workspace_id),
			COALESCE(c.instance_id, e.instance_id), COALESCE(c.type, e.type), COALESCE(c.n, 0), COALESCE(e.n, 0))
		FROM (SELECT workspace_id, instance_id, type, SUM(n) AS n FROM event_counts GROUP BY 1, 2, 3) c
		FULL JOIN (SELECT workspace_id, COALESCE(instance_id, '') AS instance_id, type, COUNT(*) AS n FROM events GROUP BY 1, 2, 3) e
			ON e.workspace_id = c.workspace_id AND e.instance_id = c.instance_id AND e.type = c.type
		WHERE COALESCE(c.n, 0) <> COALESCE(e.n, 0)
		LIMIT 5`},
	{"events belong to a workspace", `
		SELECT format('event %s names missing workspace %s', id, workspace_id) FROM events ev
		WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = ev.workspace_id)
		LIMIT 5`},
}

// IntegrityCheck checks what the schema's constraints cannot: that the
// counters equal the enrollments, events and deliveries they count, that indexed columns match
// the documents, that every enrollment's history is a path through the
// workflow ending at its status, and that only open enrollments hold unique
// parameter values. It returns an error describing the
// problems found; tests run it after every store they used.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var problems []error
	err := db.read(ctx, func(q pgx.Tx) error {
		for _, c := range integrityChecks {
			rows, err := q.Query(ctx, c.query)
			if err != nil {
				return fmt.Errorf("postgres: integrity check %q: %w", c.name, err)
			}
			found, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return fmt.Errorf("postgres: integrity check %q: %w", c.name, err)
			}
			for _, f := range found {
				problems = append(problems, fmt.Errorf("%s: %s", c.name, f))
			}
		}
		// The workflow's table lives in Go: check each distinct step of every
		// history against it.
		rows, err := q.Query(ctx, `SELECT DISTINCT doc->>'from', doc->>'to' FROM status_changes WHERE doc->>'from' IS NOT NULL`)
		if err != nil {
			return fmt.Errorf("postgres: integrity check: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var from, to string
			if err := rows.Scan(&from, &to); err != nil {
				return fmt.Errorf("postgres: integrity check: %w", err)
			}
			if !enroll.CanTransition(enroll.Status(from), enroll.Status(to)) {
				problems = append(problems, fmt.Errorf("history records a move the workflow forbids: %s -> %s", from, to))
			}
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("postgres: integrity check failed: %w", errors.Join(problems...))
	}
	return nil
}
