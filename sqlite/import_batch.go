package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
)

// importRun imports a run of rows that enroll.ImportPlannable accepts into
// p: planned in memory (enroll.ImportPlanner) after one look-up per kind of
// key, then written in a savepoint. The plan made ahead for the run (prep,
// see enroll.ImportPreparer) is used when the look-up in this transaction
// finds what it was made from. Should the writes meet a constraint the
// look-ups did not foresee, the savepoint is rolled back and the rows go
// one by one through enroll.ImportRowIn instead, so a row the database refuses
// still fails alone. Only internal errors are returned, and they abort the
// batch.
func (tx *Tx) importRun(a enroll.Actor, inst *enroll.ProgramInstance, rows []*enroll.ImportRow, p *enroll.ImportProgress, prep *preparedRun) error {
	pl := &enroll.ImportPlanner{Actor: a, Instance: inst, Engine: tx.db.engine, Now: tx.now}
	lookup, err := importLookup(tx.ctx, tx, pl, rows)
	if err != nil {
		return err
	}
	var plan *enroll.ImportPlan
	if prep != nil {
		digest, err := lookup.Digest()
		if err != nil {
			return err
		}
		plan = prep.imp.Run(prep.first, prep.instance, digest)
		if plan != nil && plan.Progress.Rows != len(rows) {
			// Planned for a run of other bounds: the look-ups of new
			// participants find nothing for any rows, so their digests
			// do not tell.
			plan = nil
		}
	}
	if plan == nil {
		if plan, err = pl.Plan(tx.ctx, rows, lookup); err != nil {
			return err
		}
	}
	if len(plan.Created) == 0 {
		p.Merge(plan.Progress)
		return nil
	}
	if _, err := tx.exec(`SAVEPOINT import_run`); err != nil {
		return err
	}
	werr := tx.writeImportPlan(inst, plan)
	if werr == nil {
		if _, err := tx.exec(`RELEASE import_run`); err != nil {
			return err
		}
		p.Merge(plan.Progress)
		return nil
	}
	if _, err := tx.exec(`ROLLBACK TO import_run`); err != nil {
		return errors.Join(werr, err)
	}
	if _, err := tx.exec(`RELEASE import_run`); err != nil {
		return errors.Join(werr, err)
	}
	if constraint(werr) == "" && !isForeignKey(werr) {
		return werr
	}
	for _, r := range rows {
		if err := enroll.ImportRowIn(tx, a, inst, r, p); err != nil {
			return err
		}
	}
	return nil
}

// Look-ups of a run of import rows (see enroll.ImportPlanner): one query
// per kind of key, each taking the keys as one JSON array, so the
// statement text is the same for any number of keys (and stays prepared),
// and each naming its index's condition. CROSS JOIN keeps the keys the
// outer loop: the planner would otherwise scan the instance's values once
// per key.
const (
	lookupOpenReferences = `SELECT DISTINCT reference_id FROM enrollments WHERE workspace_id = ? AND reference_id <> ''
		AND reference_id IN (SELECT value FROM json_each(?)) AND instance_id = ? AND status NOT IN ('rejected', 'unenrolled')`
	lookupOpenEmails = `SELECT DISTINCT email_norm FROM enrollments WHERE workspace_id = ? AND email_norm <> ''
		AND email_norm IN (SELECT value FROM json_each(?)) AND instance_id = ? AND status NOT IN ('rejected', 'unenrolled')`
	// A customer holds an open enrollment in the instance, and one in
	// another program, also through a lead it was made from, enrolled
	// before it was (customer_id NULL).
	lookupCustomers = `SELECT c.email_norm, c.doc,
		EXISTS (SELECT 1 FROM enrollments e WHERE e.workspace_id = c.workspace_id AND e.instance_id = ? AND e.customer_id = c.id AND e.customer_id IS NOT NULL
			AND e.status NOT IN ('rejected', 'unenrolled'))
		OR EXISTS (SELECT 1 FROM leads l CROSS JOIN enrollments e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
			WHERE l.workspace_id = c.workspace_id AND l.customer_id = c.id AND e.instance_id = ? AND e.customer_id IS NULL
				AND e.lead_id IS NOT NULL AND e.status NOT IN ('rejected', 'unenrolled')),
		EXISTS (SELECT 1 FROM enrollments e WHERE e.workspace_id = c.workspace_id AND e.customer_id = c.id
			AND e.instance_id NOT IN (` + sameProgramInstances + `) AND e.status IN ('approved', 'paused'))
		OR EXISTS (SELECT 1 FROM leads l CROSS JOIN enrollments e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
			WHERE l.workspace_id = c.workspace_id AND l.customer_id = c.id AND e.customer_id IS NULL
				AND e.instance_id NOT IN (` + sameProgramInstances + `) AND e.status IN ('approved', 'paused'))
		FROM customers c WHERE c.workspace_id = ? AND c.email_norm IN (SELECT value FROM json_each(?))`
	lookupUniqueHolders = `SELECT u.external_id, u.value, u.enrollment_id FROM json_each(?) j CROSS JOIN enrollment_unique_values u
		WHERE u.workspace_id = ? AND u.instance_id = ? AND u.external_id = json_extract(j.value, '$[0]') AND u.value = json_extract(j.value, '$[1]')`
)

// importLookup finds what the database holds for the keys of rows, in
// the transaction that writes them: first the open enrollments that make
// rows duplicates, then the customers and unique values of the others.
func importLookup(ctx context.Context, q querier, pl *enroll.ImportPlanner, rows []*enroll.ImportRow) (*enroll.ImportLookup, error) {
	inst := pl.Instance
	var l enroll.ImportLookup
	var err error
	references, emails := pl.OpenKeys(rows)
	if l.OpenReferences, err = lookupSet(ctx, q, lookupOpenReferences, inst, references); err != nil {
		return nil, err
	}
	if l.OpenEmails, err = lookupSet(ctx, q, lookupOpenEmails, inst, emails); err != nil {
		return nil, err
	}
	emails, unique := pl.ParticipantKeys(rows, &l)
	if len(emails) > 0 {
		if err := queryCustomers(ctx, q, inst, emails, &l); err != nil {
			return nil, err
		}
	}
	if len(unique) > 0 {
		if err := queryUniqueHolders(ctx, q, inst, unique, &l); err != nil {
			return nil, err
		}
	}
	return &l, nil
}

// lookupSet runs one of the open-enrollment look-ups.
func lookupSet(ctx context.Context, q querier, query string, inst *enroll.ProgramInstance, keys []string) (map[string]bool, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: import look-up: %w", err)
	}
	rows, err := q.QueryContext(ctx, query, inst.WorkspaceID, string(b), inst.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: import look-up: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlite: import look-up: %w", err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: import look-up: %w", err)
	}
	return out, nil
}

func queryCustomers(ctx context.Context, q querier, inst *enroll.ProgramInstance, emails []string, l *enroll.ImportLookup) error {
	b, err := json.Marshal(emails)
	if err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	rows, err := q.QueryContext(ctx, lookupCustomers, inst.ID, inst.ID, inst.WorkspaceID, inst.ID, inst.WorkspaceID, inst.ID, inst.WorkspaceID, string(b))
	if err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	defer rows.Close()
	l.Customers = map[string]*enroll.ImportCustomer{}
	for rows.Next() {
		var (
			email, doc      string
			open, elsewhere bool
		)
		if err := rows.Scan(&email, &doc, &open, &elsewhere); err != nil {
			return fmt.Errorf("sqlite: import look-up: %w", err)
		}
		c, err := decode[enroll.Customer](doc)
		if err != nil {
			return err
		}
		c.WorkspaceID = inst.WorkspaceID
		l.Customers[email] = &enroll.ImportCustomer{Customer: c, HoldsOpen: open, EnrolledElsewhere: elsewhere}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	return nil
}

func queryUniqueHolders(ctx context.Context, q querier, inst *enroll.ProgramInstance, values []enroll.UniqueValue, l *enroll.ImportLookup) error {
	pairs := make([][2]string, len(values))
	for i, u := range values {
		pairs[i] = [2]string{u.ExternalID, u.Value}
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	rows, err := q.QueryContext(ctx, lookupUniqueHolders, string(b), inst.WorkspaceID, inst.ID)
	if err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	defer rows.Close()
	l.UniqueHolders = map[enroll.UniqueValue]string{}
	for rows.Next() {
		var u enroll.UniqueValue
		var holder string
		if err := rows.Scan(&u.ExternalID, &u.Value, &holder); err != nil {
			return fmt.Errorf("sqlite: import look-up: %w", err)
		}
		l.UniqueHolders[u] = holder
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: import look-up: %w", err)
	}
	return nil
}

// Column lists of the INSERTs of a created row.
const (
	insertCustomer   = `INSERT INTO customers (id, workspace_id, email_norm, reference_id, doc, created_at, updated_at)`
	insertEnrollment = `INSERT INTO enrollments (customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, labels, doc, version, updated_at, id, workspace_id, instance_id, created_at)`
	insertUnique     = `INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id)`
	insertHistory    = `INSERT INTO status_changes (id, workspace_id, enrollment_id, doc, created_at)`
	insertEvent      = `INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at)`

	// insertEnrollmentCols is the number of insertEnrollment's columns:
	// columnValues's, then the document, version, update time, id,
	// workspace, instance and creation time.
	insertEnrollmentCols = len(enrollmentColumns) + 7
)

// writeImportPlan writes what a run of rows creates, 100 rows at a time,
// each hundred table by table in the order the foreign keys need, then
// the counters. Only the hundred being written hold their history and
// event documents, encoded here when the plan did not encode them.
func (tx *Tx) writeImportPlan(inst *enroll.ProgramInstance, plan *enroll.ImportPlan) error {
	var events []*enroll.Event
	var cargs, eargs, nargs, uargs, hargs, vargs []any
	for first := 0; first < len(plan.Created); first += insertManyRows {
		chunk := plan.Created[first:min(first+insertManyRows, len(plan.Created))]
		cargs, eargs, nargs, uargs, hargs, vargs = cargs[:0], eargs[:0], nargs[:0], uargs[:0], hargs[:0], vargs[:0]
		for _, c := range chunk {
			e := c.Enrollment
			if cu := c.Customer; cu != nil {
				doc, err := encode(cu)
				if err != nil {
					return err
				}
				cargs = append(cargs, cu.ID, cu.WorkspaceID, enroll.NormalizeEmail(cu.Email), cu.ReferenceID, doc,
					micros(cu.CreatedAt), micros(cu.UpdatedAt))
			}
			cols := columnValues(e)
			eargs = append(append(eargs, cols[:]...),
				string(c.Doc), e.Version, micros(e.UpdatedAt), e.ID, e.WorkspaceID, e.ProgramInstanceID, micros(e.CreatedAt))
			nargs = appendNameWords(nargs, e, cols[firstNameCol].(string), cols[lastNameCol].(string))
			for _, u := range c.UniqueValues {
				uargs = append(uargs, e.WorkspaceID, e.ProgramInstanceID, u.ExternalID, u.Value, e.ID)
			}
			docs := c.Docs
			if docs == nil {
				if err := c.EncodeDocs(); err != nil {
					return err
				}
				// Dropped with the chunk's arguments once written.
				docs, c.Docs = c.Docs, nil
			}
			for k, h := range c.History {
				hargs = append(hargs, h.ID, e.WorkspaceID, h.EnrollmentID, docs.History[k], micros(h.CreatedAt))
			}
			for k, v := range c.Events {
				vargs = append(vargs, v.ID, v.WorkspaceID, string(v.Type), v.ObjectID, nullString(v.InstanceID), docs.Events[k], micros(v.CreatedAt))
			}
			events = append(events, c.Events...)
		}
		for _, t := range []struct {
			head  string
			ncols int
			args  []any
		}{{insertCustomer, 7, cargs}, {insertEnrollment, insertEnrollmentCols, eargs}, {insertNameWords, nameWordCols, nargs}, {insertUnique, 5, uargs}, {insertHistory, 5, hargs}, {insertEvent, 7, vargs}} {
			if err := tx.insertMany(t.head, t.ncols, t.args); err != nil {
				return err
			}
		}
	}
	if err := tx.addEventCounts(events); err != nil {
		return err
	}
	if err := tx.countCreatedLabels(inst, plan.Created); err != nil {
		return err
	}
	scope := &enroll.Enrollment{WorkspaceID: inst.WorkspaceID, ProgramInstanceID: inst.ID}
	for _, s := range enroll.Statuses {
		if n := plan.Counts[s]; n != 0 {
			if err := tx.count(scope, s, n); err != nil {
				return err
			}
		}
	}
	return nil
}
