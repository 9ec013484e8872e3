package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// enrollmentColumns are the columns of an enrollment row besides its
// document, version, times and keys, which updates keep in step with the
// document: the ones its indexes and filters read. first_name and
// last_name hold the names' keys (namekey.Of), which lastName sorts by
// and q searches.
var enrollmentColumns = [...]string{"customer_id", "lead_id", "status", "email_norm", "reference_id", "first_name", "last_name", "labels"}

// columnValues returns e's values of enrollmentColumns.
func columnValues(e *enroll.Enrollment) [len(enrollmentColumns)]any {
	return [...]any{nullString(e.CustomerID), nullString(e.LeadID), string(e.Eligibility.Status),
		enroll.NormalizeEmail(e.Email), e.ReferenceID, namekey.Of(e.FirstName), namekey.Of(e.LastName),
		enrollmentLabels(e)}
}

// insertEnrollmentDoc inserts e; doc is its JSON form. A second open
// enrollment of the participant in the instance is ECONFLICT naming the
// first.
func (tx *Tx) insertEnrollmentDoc(e *enroll.Enrollment, doc string) error {
	cols := columnValues(e)
	_, err := tx.exec(insertText(insertEnrollment, insertEnrollmentCols),
		append(cols[:], doc, e.Version, micros(e.UpdatedAt), e.ID, e.WorkspaceID, e.ProgramInstanceID, micros(e.CreatedAt))...)
	if err != nil {
		return tx.enrollmentWriteError(e, err)
	}
	return tx.writeNameWords(e, cols[firstNameCol].(string), cols[lastNameCol].(string), false)
}

// firstNameCol and lastNameCol are the places of first_name and last_name
// in enrollmentColumns.
const firstNameCol, lastNameCol = 5, 6

// updateEnrollmentDoc stores e, changed from old (its stored state); doc
// is e's JSON form. It sets only the columns whose values changed:
// SQLite rewrites the entries of every index over a column an UPDATE
// sets, whether or not its value changed, and checks the foreign keys of
// every key column it sets. With a million enrollments each of those is
// a page of its own that the writer's cache rarely holds, which made an
// evaluation (a change of status) read and rewrite a dozen index pages
// instead of four. Returns ECONFLICT when the row is no longer at old's
// version, or, as insertEnrollmentDoc, for a second open enrollment.
func (tx *Tx) updateEnrollmentDoc(old, e *enroll.Enrollment, doc string) error {
	var q strings.Builder
	q.WriteString("UPDATE enrollments SET ")
	args := make([]any, 0, len(enrollmentColumns)+6)
	was, now := columnValues(old), columnValues(e)
	for i, col := range enrollmentColumns {
		if was[i] != now[i] {
			q.WriteString(col + " = ?, ")
			args = append(args, now[i])
		}
	}
	q.WriteString("doc = ?, version = ?, updated_at = ? WHERE workspace_id = ? AND id = ? AND version = ?")
	args = append(args, doc, e.Version, micros(e.UpdatedAt), e.WorkspaceID, e.ID, old.Version)
	res, err := tx.exec(q.String(), args...)
	if err != nil {
		return tx.enrollmentWriteError(e, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return enroll.Errorf(enroll.ECONFLICT, "Enrollment %s was changed concurrently; retry.", e.ID)
	}
	// The status counters move with the domain's Count; the label
	// counters here, where the row's old and new labels meet.
	if err := tx.moveLabels(old, e); err != nil {
		return err
	}
	if was[firstNameCol] == now[firstNameCol] && was[lastNameCol] == now[lastNameCol] {
		return nil
	}
	// A name changed: its words are written again, the former ones
	// deleted whatever they were (a probe of the primary key).
	return tx.writeNameWords(e, now[firstNameCol].(string), now[lastNameCol].(string), true)
}

// enrollmentWriteError translates the error of a write of e's row.
func (tx *Tx) enrollmentWriteError(e *enroll.Enrollment, err error) error {
	if c := constraint(err); c != "" && c != "enrollments.id" {
		// The only other unique constraints are the open-enrollment indexes.
		return tx.duplicateEnrollment(e)
	}
	return err
}

// duplicateEnrollment returns the ECONFLICT for a participant who already
// holds an open enrollment in e's instance, naming that enrollment: one of
// its customer or, as a lead may have become that customer since, of its
// lead (the two indexes enrollments_open_customer and _lead).
func (tx *Tx) duplicateEnrollment(e *enroll.Enrollment) error {
	var id string
	err := sql.ErrNoRows
	for _, by := range [...]struct{ col, val string }{{"customer_id", e.CustomerID}, {"lead_id", e.LeadID}} {
		if by.val == "" || !errors.Is(err, sql.ErrNoRows) {
			continue
		}
		err = tx.QueryRowContext(tx.ctx, `SELECT id FROM enrollments WHERE workspace_id = ? AND instance_id = ? AND `+by.col+` = ?
			AND status NOT IN ('rejected', 'unenrolled') AND id <> ? LIMIT 1`, e.WorkspaceID, e.ProgramInstanceID, by.val, e.ID).Scan(&id)
	}
	if err != nil {
		return err
	}
	return enroll.OpenEnrollmentConflict(e, id)
}

// openUnindexed selects an open enrollment in an instance that is a
// create's participant's though no unique index ties the two: one that a
// lead its customer (?4) was made from got before it was (customer_id
// NULL), out of reach of enrollments_open_customer, or one holding its
// email (?2, normalized) whoever it names, as an import decides
// (openByEmail): an email-only lead never becomes a customer. ?1 is the
// workspace, ?3 the instance; a NULL key selects none. One statement for
// both, as a create asks both. The first arm reads leads_customer, then
// enrollments_open_lead, whose condition it states; the second
// enrollments_email (TestConvertedLeadsPlan).
var openUnindexed = `SELECT e.id FROM leads l CROSS JOIN enrollments e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
	WHERE l.workspace_id = ?1 AND l.customer_id = ?4 AND e.instance_id = ?3 AND e.customer_id IS NULL
		AND e.lead_id IS NOT NULL AND e.status NOT IN ('rejected', 'unenrolled')
	UNION ALL SELECT id FROM ` + emailOpenFrom("?1", "?2", "?3") + `
	LIMIT 1`

// emailOpenFrom is the FROM and WHERE of a look-up of the open
// enrollments in an instance that hold an email (email_norm), whoever
// they name: a create's question (openUnindexed) and an import row's
// (openByEmail), one text so that the two cannot drift apart. ws, email
// and instance are their placeholders. It probes enrollments_email, whose
// condition it states, and reads the instance as a filter (+instance_id;
// TestConvertedLeadsPlan).
func emailOpenFrom(ws, email, instance string) string {
	return `enrollments WHERE workspace_id = ` + ws + ` AND email_norm = ` + email + ` AND email_norm <> ''
		AND +instance_id = ` + instance + ` AND status NOT IN ('rejected', 'unenrolled')`
}

// unindexedOpen returns the ECONFLICT for e's participant holding an
// open enrollment in e's instance that no database index can hold
// (openUnindexed), or nil. It is checked before the insert; the one
// writer makes the check and the insert one step.
func (tx *Tx) unindexedOpen(e *enroll.Enrollment) error {
	email := enroll.NormalizeEmail(e.Email)
	if e.CustomerID == "" && email == "" {
		return nil
	}
	return tx.openConflict(e, openUnindexed, e.WorkspaceID, nullString(email), e.ProgramInstanceID, nullString(e.CustomerID))
}

// openConflict returns the ECONFLICT naming the open enrollment that
// query, given args, selects for e's participant, or nil when it selects
// none.
func (tx *Tx) openConflict(e *enroll.Enrollment, query string, args ...any) error {
	var id string
	err := tx.QueryRowContext(tx.ctx, query, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	return enroll.OpenEnrollmentConflict(e, id)
}

// HoldEmail implements enroll.EnrollmentTx: the look-up of an import
// row (openByEmail). The one writer makes the check and the update one
// step.
func (tx *Tx) HoldEmail(e *enroll.Enrollment) error {
	email := enroll.NormalizeEmail(e.Email)
	if email == "" {
		return nil
	}
	return tx.openConflict(e, openByEmail, e.WorkspaceID, email, e.ProgramInstanceID)
}

// CreateEnrollment implements enroll.Store.
func (db *DB) CreateEnrollment(ctx context.Context, a enroll.Actor, instanceID string, in *enroll.EnrollmentCreate) (*enroll.Enrollment, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	plan := db.planCreate(ctx, a, instanceID, in)
	if hook := db.afterPlan; hook != nil {
		db.afterPlan = nil
		hook()
	}
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		if plan != nil {
			if done, err := tx.createPlanned(a, plan); err != nil {
				return err
			} else if done {
				out = plan.creation.Enrollment
				return nil
			}
		}
		inst, err := findInstance(ctx, tx, a.WorkspaceID, instanceID)
		if err != nil {
			return err
		}
		if err := inst.AcceptsEnrollments(); err != nil {
			return err
		}
		out, err = enroll.CreateEnrollmentIn(tx, a, inst, in)
		return err
	})
	return out, err
}

// InsertCreation implements enroll.EnrollmentTx.
func (tx *Tx) InsertCreation(inst *enroll.ProgramInstance, c *enroll.EnrollmentCreation) error {
	e := c.Enrollment
	if err := tx.unindexedOpen(e); err != nil {
		return err
	}
	if err := tx.insertEnrollmentDoc(e, string(c.Doc)); err != nil {
		return err
	}
	if err := tx.syncUniqueValues(nil, e, inst); err != nil {
		return err
	}
	if err := tx.count(e, e.Eligibility.Status, 1); err != nil {
		return err
	}
	if err := tx.countLabels(e, e.Eligibility.Status, 1); err != nil {
		return err
	}
	if err := tx.insertStatusChanges(e.WorkspaceID, c.History, c.Docs.HistoryDocs()); err != nil {
		return err
	}
	return tx.insertEvents(c.Events, c.Docs.EventDocs())
}

// sameProgramInstances selects the instances of the program of the
// instance its parameter names, that one included: enrolledInOtherProgram
// asks about other programs, not other seasons of the same one. Its
// parameters are the workspace and the instance: instance ids are unique
// across workspaces, but every query names its workspace all the same.
const sameProgramInstances = `SELECT s.id FROM program_instances s JOIN program_instances i ON s.workspace_id = i.workspace_id AND s.program_id = i.program_id WHERE i.workspace_id = ? AND i.id = ?`

// enrolledElsewhereQuery selects whether a participant holds an approved
// or paused enrollment in an instance of another program than ?4's, in
// workspace ?1: customer ?2's own, one of a lead it was made from that
// was enrolled before it was (customer_id NULL), or, for a lead that has
// not become a customer, lead ?3's (enrolledElsewhere asks a bare lead's
// enrollment as the customer's the lead became, if it did). It is one person's, however it was
// enrolled, as the open enrollment a create refuses is (docs/api.md).
const enrolledElsewhereQuery = `WITH same(id) AS (SELECT s.id FROM program_instances s JOIN program_instances i
		ON s.workspace_id = i.workspace_id AND s.program_id = i.program_id WHERE i.workspace_id = ?1 AND i.id = ?4)
	SELECT EXISTS (SELECT 1 FROM enrollments WHERE workspace_id = ?1 AND customer_id = ?2
			AND instance_id NOT IN (SELECT id FROM same) AND status IN ('approved', 'paused'))
		OR EXISTS (SELECT 1 FROM leads l CROSS JOIN enrollments e ON e.workspace_id = l.workspace_id AND e.lead_id = l.id
			WHERE l.workspace_id = ?1 AND l.customer_id = ?2 AND e.customer_id IS NULL
				AND e.instance_id NOT IN (SELECT id FROM same) AND e.status IN ('approved', 'paused'))
		OR EXISTS (SELECT 1 FROM enrollments WHERE workspace_id = ?1 AND lead_id = ?3 AND customer_id IS NULL
			AND instance_id NOT IN (SELECT id FROM same) AND status IN ('approved', 'paused'))`

// enrolledElsewhere is Tx.EnrolledElsewhere on any querier.
func enrolledElsewhere(ctx context.Context, q querier, e *enroll.Enrollment) (bool, error) {
	if e.CustomerID == "" && e.LeadID == "" {
		return false, nil
	}
	// A bare lead's enrollment is the customer's the lead became since,
	// if it did: asked as that customer's, it sees the customer's own
	// enrollments (the lead's by leadId since among them) and the bare
	// ones of its leads, this lead's included.
	customer, lead := e.CustomerID, ""
	if customer == "" {
		var became sql.NullString
		err := q.QueryRowContext(ctx, `SELECT customer_id FROM leads WHERE workspace_id = ? AND id = ?`, e.WorkspaceID, e.LeadID).Scan(&became)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("sqlite: enrolled elsewhere: the lead's customer: %w", err)
		}
		// A lead's own enrollments count only when it has no customer:
		// one it became holds them through the leads arm.
		if customer = became.String; customer == "" {
			lead = e.LeadID
		}
	}
	var found bool
	err := q.QueryRowContext(ctx, enrolledElsewhereQuery, e.WorkspaceID, customer, lead, e.ProgramInstanceID).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("sqlite: enrolled elsewhere: %w", err)
	}
	return found, nil
}

// EnrolledElsewhere implements enroll.Store.
func (db *DB) EnrolledElsewhere(ctx context.Context, wsID string, e *enroll.Enrollment) (bool, error) {
	in := *e
	in.WorkspaceID = wsID
	return enrolledElsewhere(ctx, db.r, &in)
}

func findEnrollment(ctx context.Context, q querier, wsID, id string) (*enroll.Enrollment, error) {
	var (
		doc     string
		version int
	)
	err := q.QueryRowContext(ctx, `SELECT doc, version FROM enrollments WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc, &version)
	if err != nil {
		return nil, notFound(err, "Enrollment", id)
	}
	e, err := decode[enroll.Enrollment](doc)
	if err != nil {
		return nil, err
	}
	e.WorkspaceID, e.Version = wsID, version
	return e, nil
}

// FindEnrollment implements enroll.Store.
func (db *DB) FindEnrollment(ctx context.Context, wsID, id string) (*enroll.Enrollment, error) {
	return findEnrollment(ctx, db.r, wsID, id)
}

// UpdateEnrollment implements enroll.Store.
func (db *DB) UpdateEnrollment(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		old, inst, err := tx.enrollmentAndInstance(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = enroll.UpdateEnrollmentIn(tx, a, old, inst, nil, fn)
		return err
	})
	return out, err
}

// EvaluateEnrollment implements enroll.Store.
func (db *DB) EvaluateEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) (*enroll.Enrollment, error) {
	var out *enroll.Enrollment
	err := db.write(ctx, func(tx *Tx) error {
		e, inst, err := tx.enrollmentAndInstance(a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = enroll.EvaluateEnrollmentIn(tx, a, e, inst, check)
		return err
	})
	return out, err
}

func (tx *Tx) enrollmentAndInstance(wsID, id string) (*enroll.Enrollment, *enroll.ProgramInstance, error) {
	e, err := findEnrollment(tx.ctx, tx, wsID, id)
	if err != nil {
		return nil, nil, err
	}
	inst, err := findInstance(tx.ctx, tx, wsID, e.ProgramInstanceID)
	if err != nil {
		return nil, nil, err
	}
	return e, inst, nil
}

// DeleteEnrollment implements enroll.Store.
func (db *DB) DeleteEnrollment(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Enrollment) error) error {
	return db.write(ctx, func(tx *Tx) error {
		e, err := findEnrollment(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(e); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`DELETE FROM enrollments WHERE workspace_id = ? AND id = ?`, e.WorkspaceID, e.ID); err != nil {
			return err
		}
		if err := tx.count(e, e.Eligibility.Status, -1); err != nil {
			return err
		}
		if err := tx.countLabels(e, e.Eligibility.Status, -1); err != nil {
			return err
		}
		return tx.event(a, enroll.EventEnrollmentDeleted, e.ID, e, nil)
	})
}
