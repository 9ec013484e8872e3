package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// pgCloneChunk is the rows of one INSERT … SELECT FROM unnest(…) statement.
const pgCloneChunk = 2_000

// clone copies rows in SQL, as the SQLite backend's clone does: every
// column it does not change comes from the template row itself (joined by
// its key), so the copies index, filter and sort exactly as the originals;
// ids, emails, times and the documents carrying them are new. Rows go in
// as arrays, pgCloneChunk per statement and cloneBatch per transaction,
// with synchronous_commit off: the copy is rerun if it dies. History and
// events are not copied: no measured request reads them for a clone.
func (postgresBackend) clone(ctx context.Context, dsn, inst string, templates []string, n int, keep func(string)) error {
	if len(templates) == 0 {
		return fmt.Errorf("clone: no templates")
	}
	conn, err := pgConnect(ctx, withParam(dsn, "synchronous_commit", "off"))
	if err != nil {
		return fmt.Errorf("clone: %w", err)
	}
	defer conn.Close(ctx)
	ws, ts, err := pgTemplates(ctx, conn, inst, templates)
	if err != nil {
		return err
	}
	tag := enroll.NewID()[16:]
	counts := map[enroll.Status]int{}
	// Copies are newer than anything the store wrote, a microsecond apart.
	base := time.Now().UTC().Truncate(time.Microsecond)
	for start := 0; start < n; start += cloneBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for from := start; from < min(start+cloneBatch, n); from += pgCloneChunk {
				if err := pgCloneRows(ctx, tx, ws, ts, tag, base, from, min(from+pgCloneChunk, start+cloneBatch, n), counts, keep); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("clone: %w", err)
		}
	}
	// The label counters (enrollment_label_counts) are kept by the
	// database's triggers; the status counters by the store.
	for s, k := range counts {
		_, err := conn.Exec(ctx, `INSERT INTO enrollment_counts (workspace_id, instance_id, status, n) VALUES ($1, $2, $3, $4)
			ON CONFLICT (workspace_id, instance_id, status) DO UPDATE SET n = enrollment_counts.n + excluded.n`, ws, inst, string(s), k)
		if err != nil {
			return fmt.Errorf("clone: counters: %w", err)
		}
	}
	return nil
}

// pgTemplates reads the template enrollments of inst and their customers.
func pgTemplates(ctx context.Context, conn *pgx.Conn, inst string, ids []string) (string, []template, error) {
	rows, err := conn.Query(ctx, `SELECT e.workspace_id, e.id, e.customer_id, e.status, e.doc, c.doc
		FROM enrollments e JOIN customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id
		WHERE e.instance_id = $1 AND e.id = ANY($2) ORDER BY e.created_at, e.id`, inst, ids)
	if err != nil {
		return "", nil, fmt.Errorf("clone: templates: %w", err)
	}
	defer rows.Close()
	var (
		ws string
		ts []template
	)
	for rows.Next() {
		var t template
		var edoc, cdoc []byte
		if err := rows.Scan(&ws, &t.id, &t.customerID, &t.status, &edoc, &cdoc); err != nil {
			return "", nil, fmt.Errorf("clone: templates: %w", err)
		}
		if err := errors.Join(json.Unmarshal(edoc, &t.e), json.Unmarshal(cdoc, &t.c)); err != nil {
			return "", nil, fmt.Errorf("clone: template %s: %w", t.id, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("clone: templates: %w", err)
	}
	if len(ts) != len(ids) {
		return "", nil, fmt.Errorf("clone: %d of %d templates found in instance %s", len(ts), len(ids), inst)
	}
	return ws, ts, nil
}

// pgCloneRows inserts copies from to to (exclusive), customers first.
func pgCloneRows(ctx context.Context, tx pgx.Tx, ws string, ts []template, tag string, base time.Time, from, to int,
	counts map[enroll.Status]int, keep func(string)) error {
	k := to - from
	var (
		cid, ctemplate, email, cdoc = make([]string, 0, k), make([]string, 0, k), make([]string, 0, k), make([]string, 0, k)
		eid, etemplate, edoc        = make([]string, 0, k), make([]string, 0, k), make([]string, 0, k)
		at                          = make([]time.Time, 0, k)
	)
	for i := from; i < to; i++ {
		t := &ts[i%len(ts)]
		now := base.Add(time.Duration(i) * time.Microsecond)
		addr := fmt.Sprintf("clone-%s-%d@example.com", tag, i)
		c, e := t.c, t.e
		c.ID, c.Email, c.CreatedAt, c.UpdatedAt = enroll.NewID(), addr, now, now
		e.ID, e.CustomerID, e.Email, e.CreatedAt, e.UpdatedAt = enroll.NewID(), c.ID, addr, now, now
		cb, err1 := json.Marshal(&c)
		eb, err2 := json.Marshal(&e)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		cid, ctemplate, email, cdoc = append(cid, c.ID), append(ctemplate, t.customerID), append(email, enroll.NormalizeEmail(addr)), append(cdoc, string(cb))
		eid, etemplate, edoc = append(eid, e.ID), append(etemplate, t.id), append(edoc, string(eb))
		at = append(at, now)
	}
	tag1, err := tx.Exec(ctx, `INSERT INTO customers (workspace_id, id, email_norm, reference_id, doc, created_at, updated_at)
		SELECT c.workspace_id, n.id, n.email_norm, c.reference_id, n.doc::jsonb, n.at, n.at
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS n(id, template, email_norm, doc, at)
		JOIN customers c ON c.workspace_id = $1 AND c.id = n.template`, ws, cid, ctemplate, email, cdoc, at)
	if err != nil {
		return fmt.Errorf("customers: %w", err)
	}
	tag2, err := tx.Exec(ctx, `INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, lead_id, status, email_norm,
			reference_id, first_name, last_name, doc, version, created_at, updated_at)
		SELECT e.workspace_id, n.id, e.instance_id, n.customer_id, e.lead_id, e.status, n.email_norm,
			e.reference_id, e.first_name, e.last_name, n.doc::jsonb, e.version, n.at, n.at
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) AS n(id, template, customer_id, email_norm, doc, at)
		JOIN enrollments e ON e.workspace_id = $1 AND e.id = n.template`, ws, eid, etemplate, cid, email, edoc, at)
	if err != nil {
		return fmt.Errorf("enrollments: %w", err)
	}
	if int(tag1.RowsAffected()) != k || int(tag2.RowsAffected()) != k {
		return fmt.Errorf("%d customers and %d enrollments copied, want %d", tag1.RowsAffected(), tag2.RowsAffected(), k)
	}
	for i := from; i < to; i++ {
		counts[ts[i%len(ts)].status]++
	}
	for _, id := range eid {
		keep(id)
	}
	return nil
}
