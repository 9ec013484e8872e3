package postgres

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// errPlanConflict says that a planned run met a constraint its look-ups
// did not foresee, most likely a concurrent import of the same people
// into another instance of the workspace, whose new customers the
// look-ups at READ COMMITTED do not see (in one instance, a chunk holds
// its rows' email locks before its look-ups): the transaction is aborted,
// and the rows go again through the create path, one savepoint each (see
// ImportEnrollments).
var errPlanConflict = errors.New("postgres: import: a planned row met a constraint")

// importRun imports rows that enroll.ImportPlannable accepts into p:
// planned in memory (enroll.ImportPlanner) after one look-up per kind of
// key, then written with one COPY or multi-row INSERT per table, without
// savepoints. A constraint violation aborts the transaction and returns
// errPlanConflict; other errors are internal and abort the batch.
func (tx *tx) importRun(a enroll.Actor, inst *enroll.ProgramInstance, rows []*enroll.ImportRow, p *enroll.ImportProgress) error {
	pl := &enroll.ImportPlanner{Actor: a, Instance: inst, Engine: tx.db.engine, Now: tx.now}
	lookup, err := tx.importLookup(pl, rows)
	if err != nil {
		return err
	}
	plan, err := pl.Plan(tx.ctx, rows, lookup)
	if err != nil {
		return err
	}
	if err := tx.writeImportPlan(inst, plan); err != nil {
		if constraint(err) != "" || foreignKey(err) != "" {
			return fmt.Errorf("%w: %w", errPlanConflict, err)
		}
		return err
	}
	p.Merge(plan.Progress)
	return nil
}

// Look-ups of a run of import rows, one per kind of key. Each is driven
// from its unnested keys and probes the key's index once per key, so that
// it reads that index whatever the planner knows: without statistics (a
// table never analyzed, as after a bulk load before autovacuum) it takes
// every equality for as selective as any other, and a key = ANY of 1,000
// for matching nearly every row, so the flat forms these replace walked
// the instance's enrollments (by its last-name index) or joined every
// unique value of the instance with the keys (1.3 s a batch at 16,000
// rows; docs/benchmarks.md, session 16). The enrollment probes are fenced
// (OFFSET 0) so that the instance and the status, which their indexes do
// not hold, filter the key's rows instead of offering the instance's
// indexes, and so that no EXISTS becomes a hashed scan of the instance;
// the others hold a unique index whole, which the planner counts on, and
// LIMIT 1 keeps their probe a subquery of its own (unflattened, it is the
// join of old). Partial indexes' conditions are stated or implied (a
// strict = implies IS NOT NULL).
const (
	lookupOpenReferences = `SELECT k.value FROM unnest($2::text[]) AS k(value) WHERE EXISTS (SELECT FROM (
			SELECT instance_id, status FROM enrollments WHERE workspace_id = $1 AND reference_id = k.value AND reference_id <> '' OFFSET 0) e
		WHERE e.instance_id = $3 AND e.status NOT IN ('rejected', 'unenrolled'))`
	lookupOpenEmails = `SELECT k.value FROM unnest($2::text[]) AS k(value) WHERE EXISTS (SELECT FROM (
			SELECT instance_id, status FROM enrollments WHERE workspace_id = $1 AND email_norm = k.value AND email_norm <> '' OFFSET 0) e
		WHERE e.instance_id = $3 AND e.status NOT IN ('rejected', 'unenrolled'))`
	// A customer holds an open enrollment in the instance, and one in
	// another program, also through a lead it was made from, enrolled
	// before it was (customer_id NULL).
	lookupCustomers = `SELECT c.email_norm, c.doc,
		EXISTS (SELECT FROM (SELECT FROM enrollments WHERE instance_id = $1 AND customer_id = c.id AND customer_id IS NOT NULL
			AND status NOT IN ('rejected', 'unenrolled') OFFSET 0) e)
		OR EXISTS (SELECT FROM (SELECT id FROM leads WHERE workspace_id = $2 AND customer_id = c.id AND customer_id IS NOT NULL OFFSET 0) l
			WHERE EXISTS (SELECT FROM (SELECT FROM enrollments WHERE instance_id = $1 AND lead_id = l.id AND lead_id IS NOT NULL
				AND customer_id IS NULL AND status NOT IN ('rejected', 'unenrolled') OFFSET 0) e)),
		EXISTS (SELECT FROM (SELECT instance_id, status FROM enrollments WHERE workspace_id = $2 AND customer_id = c.id OFFSET 0) e
			WHERE e.instance_id NOT IN (` + sameProgramInstances + `) AND e.status IN ('approved', 'paused'))
		OR EXISTS (SELECT FROM (SELECT id FROM leads WHERE workspace_id = $2 AND customer_id = c.id AND customer_id IS NOT NULL OFFSET 0) l
			WHERE EXISTS (SELECT FROM (SELECT instance_id, status FROM enrollments WHERE workspace_id = $2 AND lead_id = l.id
					AND lead_id IS NOT NULL AND customer_id IS NULL OFFSET 0) e
				WHERE e.instance_id NOT IN (` + sameProgramInstances + `) AND e.status IN ('approved', 'paused')))
		FROM unnest($3::text[]) AS k(value)
		JOIN LATERAL (SELECT id, email_norm, doc FROM customers WHERE workspace_id = $2 AND email_norm = k.value LIMIT 1) c ON true`
	lookupUniqueHolders = `SELECT k.external_id, k.value, u.enrollment_id FROM unnest($3::text[], $4::text[]) AS k(external_id, value)
		JOIN LATERAL (SELECT enrollment_id FROM enrollment_unique_values
			WHERE instance_id = $2 AND external_id = k.external_id AND value = k.value AND workspace_id = $1 LIMIT 1) u ON true`
)

// importLookup finds what the database holds for the keys of rows, in
// the transaction that writes them: first the open enrollments that make
// rows duplicates, then the customers and unique values of the others.
func (tx *tx) importLookup(pl *enroll.ImportPlanner, rows []*enroll.ImportRow) (*enroll.ImportLookup, error) {
	inst := pl.Instance
	var l enroll.ImportLookup
	var err error
	references, emails := pl.OpenKeys(rows)
	references, emails = slices.DeleteFunc(references, badText), slices.DeleteFunc(emails, badText)
	if l.OpenReferences, err = tx.lookupSet(lookupOpenReferences, inst, references); err != nil {
		return nil, err
	}
	if l.OpenEmails, err = tx.lookupSet(lookupOpenEmails, inst, emails); err != nil {
		return nil, err
	}
	emails, unique := pl.ParticipantKeys(rows, &l)
	emails = slices.DeleteFunc(emails, badText)
	unique = slices.DeleteFunc(unique, func(u enroll.UniqueValue) bool { return badText(u.ExternalID) || badText(u.Value) })
	if len(emails) > 0 {
		if err := tx.lookupCustomers(inst, emails, &l); err != nil {
			return nil, err
		}
	}
	if len(unique) > 0 {
		if err := tx.lookupUniqueHolders(inst, unique, &l); err != nil {
			return nil, err
		}
	}
	return &l, nil
}

// badText reports whether PostgreSQL refuses s as text: a NUL, or bytes
// that are not UTF-8. No stored row holds such a key, and a row that
// gives one fails its validation when it is planned, so the look-ups and
// the email locks (emailLocks) leave it out rather than fail the batch.
func badText(s string) bool {
	return strings.ContainsRune(s, 0) || !utf8.ValidString(s)
}

// lookupSet runs one of the open-enrollment look-ups.
func (tx *tx) lookupSet(query string, inst *enroll.ProgramInstance, keys []string) (map[string]bool, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(tx.ctx, query, inst.WorkspaceID, keys, inst.ID)
	if err != nil {
		return nil, fmt.Errorf("postgres: import look-up: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("postgres: import look-up: %w", err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: import look-up: %w", err)
	}
	return out, nil
}

func (tx *tx) lookupCustomers(inst *enroll.ProgramInstance, emails []string, l *enroll.ImportLookup) error {
	rows, err := tx.Query(tx.ctx, lookupCustomers, inst.ID, inst.WorkspaceID, emails)
	if err != nil {
		return fmt.Errorf("postgres: import look-up: %w", err)
	}
	defer rows.Close()
	l.Customers = map[string]*enroll.ImportCustomer{}
	for rows.Next() {
		var (
			email           string
			doc             []byte
			open, elsewhere bool
		)
		if err := rows.Scan(&email, &doc, &open, &elsewhere); err != nil {
			return fmt.Errorf("postgres: import look-up: %w", err)
		}
		c, err := decode[enroll.Customer](doc)
		if err != nil {
			return err
		}
		c.WorkspaceID = inst.WorkspaceID
		l.Customers[email] = &enroll.ImportCustomer{Customer: c, HoldsOpen: open, EnrolledElsewhere: elsewhere}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: import look-up: %w", err)
	}
	return nil
}

func (tx *tx) lookupUniqueHolders(inst *enroll.ProgramInstance, values []enroll.UniqueValue, l *enroll.ImportLookup) error {
	ids, vals := make([]string, len(values)), make([]string, len(values))
	for i, u := range values {
		ids[i], vals[i] = u.ExternalID, u.Value
	}
	rows, err := tx.Query(tx.ctx, lookupUniqueHolders, inst.WorkspaceID, inst.ID, ids, vals)
	if err != nil {
		return fmt.Errorf("postgres: import look-up: %w", err)
	}
	defer rows.Close()
	l.UniqueHolders = map[enroll.UniqueValue]string{}
	for rows.Next() {
		var u enroll.UniqueValue
		var holder string
		if err := rows.Scan(&u.ExternalID, &u.Value, &holder); err != nil {
			return fmt.Errorf("postgres: import look-up: %w", err)
		}
		l.UniqueHolders[u] = holder
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: import look-up: %w", err)
	}
	return nil
}

// writeImportPlan writes what a run of rows creates, table by table in
// the order the foreign keys need: with COPY from copyMin rows on
// (copyImportPlan), else with multi-row INSERTs (insertImportPlan).
// Nothing waits on a conflict (no ON CONFLICT): a violation aborts the
// transaction, and the caller goes the careful way instead.
func (tx *tx) writeImportPlan(inst *enroll.ProgramInstance, plan *enroll.ImportPlan) error {
	switch {
	case len(plan.Created) == 0:
		return nil
	case len(plan.Created) >= copyMin:
		return tx.copyImportPlan(inst, plan)
	}
	return tx.insertImportPlan(inst, plan)
}

// insertImportPlan writes what a run of rows creates with one multi-row
// INSERT per table (arrays unnested in order).
func (tx *tx) insertImportPlan(inst *enroll.ProgramInstance, plan *enroll.ImportPlan) error {
	var newCustomers []*enroll.Customer
	for _, c := range plan.Created {
		if c.Customer != nil {
			newCustomers = append(newCustomers, c.Customer)
		}
	}
	if n := len(newCustomers); n > 0 {
		ids, emails, refs, docs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		created, updated := make([]time.Time, n), make([]time.Time, n)
		for i, c := range newCustomers {
			doc, err := encode(c)
			if err != nil {
				return err
			}
			ids[i], emails[i], refs[i], docs[i] = c.ID, enroll.NormalizeEmail(c.Email), c.ReferenceID, string(doc)
			created[i], updated[i] = c.CreatedAt, c.UpdatedAt
		}
		_, err := tx.exec(`INSERT INTO customers (id, workspace_id, email_norm, reference_id, doc, created_at, updated_at)
			SELECT id, $1, email_norm, reference_id, doc::jsonb, created_at, updated_at
				FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[])
				WITH ORDINALITY AS u(id, email_norm, reference_id, doc, created_at, updated_at, o) ORDER BY o`,
			inst.WorkspaceID, ids, emails, refs, docs, created, updated)
		if err != nil {
			return err
		}
	}
	n := len(plan.Created)
	var (
		ids, customers, leads, statuses, emails, refs, firsts, lasts, docs = make([]string, n), make([]*string, n), make([]*string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		versions          = make([]int32, n)
		created, updated  = make([]time.Time, n), make([]time.Time, n)
		uIDs, uExt, uVals []string
		history           []*enroll.StatusChange
		events            []*enroll.Event
	)
	for i, c := range plan.Created {
		e := c.Enrollment
		ids[i], customers[i], leads[i], statuses[i] = e.ID, nullable(e.CustomerID), nullable(e.LeadID), string(e.Eligibility.Status)
		emails[i], refs[i], firsts[i], lasts[i] = enroll.NormalizeEmail(e.Email), e.ReferenceID, namekey.Of(e.FirstName), namekey.Of(e.LastName)
		docs[i], versions[i], created[i], updated[i] = string(c.Doc), int32(e.Version), e.CreatedAt, e.UpdatedAt
		for _, u := range c.UniqueValues {
			uIDs, uExt, uVals = append(uIDs, e.ID), append(uExt, u.ExternalID), append(uVals, u.Value)
		}
		history = append(history, c.History...)
		events = append(events, c.Events...)
	}
	_, err := tx.exec(`INSERT INTO enrollments (id, workspace_id, instance_id, customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
		SELECT id, $1, $2, customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc::jsonb, version, created_at, updated_at
			FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::timestamptz[], $14::timestamptz[])
			WITH ORDINALITY AS u(id, customer_id, lead_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at, o) ORDER BY o`,
		inst.WorkspaceID, inst.ID, ids, customers, leads, statuses, emails, refs, firsts, lasts, docs, versions, created, updated)
	if err != nil {
		return err
	}
	if len(uIDs) > 0 {
		_, err := tx.exec(`INSERT INTO enrollment_unique_values (workspace_id, instance_id, external_id, value, enrollment_id)
			SELECT $1, $2, external_id, value, enrollment_id FROM unnest($3::text[], $4::text[], $5::text[]) AS u(enrollment_id, external_id, value)`,
			inst.WorkspaceID, inst.ID, uIDs, uExt, uVals)
		if err != nil {
			return err
		}
	}
	scope := &enroll.Enrollment{WorkspaceID: inst.WorkspaceID, ProgramInstanceID: inst.ID}
	for s, n := range plan.Counts {
		tx.count(scope, s, n)
	}
	if err := tx.insertStatusChanges(inst.WorkspaceID, history); err != nil {
		return err
	}
	return tx.insertEvents(events)
}

// nullable returns nil for "", else &s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
