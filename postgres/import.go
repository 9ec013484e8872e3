package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

var _ enroll.ImportStore = (*DB)(nil)

// writeImport stores a job; its doc carries the counters and the first
// errors, so reading a job is one query.
func (tx *tx) writeImport(im *enroll.Import, insert bool) error {
	doc, err := encode(im)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO imports (id, workspace_id, instance_id, status, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			im.ID, im.WorkspaceID, im.ProgramInstanceID, string(im.Status), doc, im.CreatedAt, im.UpdatedAt)
		if foreignKey(err) != "" {
			return enroll.Errorf(enroll.ENOTFOUND, "Program instance %s not found.", im.ProgramInstanceID)
		}
		return err
	}
	_, err = tx.exec(`UPDATE imports SET status = $1, doc = $2, updated_at = $3 WHERE workspace_id = $4 AND id = $5`,
		string(im.Status), doc, im.UpdatedAt, im.WorkspaceID, im.ID)
	return err
}

// insertImportErrors stores every error of a batch in one statement, in
// order, so seq follows the rows.
func (tx *tx) insertImportErrors(im *enroll.Import, errs []enroll.ImportError) error {
	if len(errs) == 0 {
		return nil
	}
	rows, fields, msgs := make([]int32, len(errs)), make([]string, len(errs)), make([]string, len(errs))
	for i, e := range errs {
		rows[i], fields[i], msgs[i] = int32(e.Row), e.Field, e.Message
	}
	_, err := tx.exec(`INSERT INTO import_errors (workspace_id, import_id, row_no, field, message)
		SELECT $1, $2, r, f, m FROM unnest($3::int[], $4::text[], $5::text[]) WITH ORDINALITY AS u(r, f, m, o) ORDER BY o`,
		im.WorkspaceID, im.ID, rows, fields, msgs)
	return err
}

// findImport loads a job; lock is "" or a locking clause.
func findImport(ctx context.Context, q querier, wsID, id, lock string) (*enroll.Import, error) {
	var doc []byte
	err := q.QueryRow(ctx, `SELECT doc FROM imports WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Import", id)
	}
	im, err := decode[enroll.Import](doc)
	if err != nil {
		return nil, err
	}
	im.WorkspaceID = wsID
	if im.Errors == nil {
		im.Errors = []enroll.ImportError{}
	}
	return im, nil
}

// CreateImport implements enroll.ImportStore.
func (db *DB) CreateImport(ctx context.Context, a enroll.Actor, im *enroll.Import) error {
	if err := im.Validate(); err != nil {
		return err
	}
	given := *im
	return db.write(ctx, func(tx *tx) error {
		inst, err := findInstance(ctx, tx, a.WorkspaceID, given.ProgramInstanceID, "")
		if err != nil {
			return err
		}
		if err := inst.AcceptsEnrollments(); err != nil {
			return err
		}
		*im = enroll.Import{ID: enroll.NewID(), WorkspaceID: a.WorkspaceID, ProgramInstanceID: inst.ID, Format: given.Format,
			DryRun: given.DryRun, Status: enroll.ImportQueued, TotalRows: given.TotalRows, Errors: []enroll.ImportError{},
			CreatedAt: tx.now, UpdatedAt: tx.now}
		im.Add(enroll.ImportProgress{Errors: given.Errors})
		if err := tx.writeImport(im, true); err != nil {
			return err
		}
		tx.created(enroll.KindImport, im.ID)
		return tx.insertImportErrors(im, given.Errors)
	})
}

// FindImport implements enroll.ImportStore.
func (db *DB) FindImport(ctx context.Context, wsID, id string) (*enroll.Import, error) {
	im, err := findImport(ctx, db.pool, wsID, id, "")
	if err != nil {
		return nil, err
	}
	im.Settle(db.clock.Now())
	return im, nil
}

// ListImportErrors implements enroll.ImportStore. The page and its total
// (the job's errorCount, written with the errors it counts) come from one
// snapshot.
func (db *DB) ListImportErrors(ctx context.Context, wsID, importID string, p enroll.ListParams) (*enroll.Page[enroll.ImportError], error) {
	fh := enroll.HashFilter(importID)
	c, err := p.Normalize([]string{enroll.ImportErrorSort}, fh)
	if err != nil {
		return nil, err
	}
	var after int64
	if c != nil {
		if after, err = strconv.ParseInt(c.Text, 10, 64); err != nil {
			return nil, enroll.Errorf(enroll.EINVALID, "pageToken is malformed.")
		}
	}
	var out *enroll.Page[enroll.ImportError]
	err = db.read(ctx, func(q pgx.Tx) error {
		im, err := findImport(ctx, q, wsID, importID, "")
		if err != nil {
			return err
		}
		query := `SELECT seq, row_no, field, message FROM import_errors WHERE workspace_id = $1 AND import_id = $2 AND seq > $3
			ORDER BY seq LIMIT ` + strconv.Itoa(p.PerPage+1)
		if c == nil && p.Offset() > 0 {
			query += " OFFSET " + strconv.Itoa(p.Offset())
		}
		rows, err := q.Query(ctx, query, wsID, importID, after)
		if err != nil {
			return fmt.Errorf("postgres: import errors: %w", err)
		}
		defer rows.Close()
		var (
			list []enroll.ImportError
			seqs []int64
		)
		for rows.Next() {
			var (
				e   enroll.ImportError
				seq int64
			)
			if err := rows.Scan(&seq, &e.Row, &e.Field, &e.Message); err != nil {
				return fmt.Errorf("postgres: import errors: %w", err)
			}
			list, seqs = append(list, e), append(seqs, seq)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: import errors: %w", err)
		}
		last := min(p.PerPage, len(seqs)) - 1
		out = enroll.NewPage(list, p, im.ErrorCount, func(enroll.ImportError) enroll.Cursor {
			s := strconv.FormatInt(seqs[last], 10)
			return enroll.Cursor{Sort: p.Sort, Text: s, ID: s, Filter: fh}
		})
		return nil
	})
	return out, err
}

// importChunk is how many rows one transaction of ImportEnrollments
// imports through the create path, each in a savepoint. A transaction with
// more than 64 subtransactions that wrote overflows PostgreSQL's
// per-backend subtransaction cache, which slows every other session's
// snapshots while it lasts; chunks stay below that.
const importChunk = 50

// plannedChunk is how many rows one transaction imports at most. Rows
// that enroll.ImportPlannable accepts take no savepoint (they are planned
// and written together), so the bound is how long the transaction holds
// its locks; the others count against importChunk.
const plannedChunk = enroll.DefaultImportBatch

// ImportEnrollments implements enroll.ImportStore. The batch is written in
// transactions of up to plannedChunk rows of which at most importChunk take
// a savepoint, each transaction updating the job's counters and errors with
// the rows it wrote, so the job never reports more or less than what
// committed. Should a planned run's writes meet a constraint (a concurrent
// import of the same people into another instance: errPlanConflict), its
// transaction is rolled back and its rows go through the create path one
// by one, in chunks of importChunk.
func (db *DB) ImportEnrollments(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow) (*enroll.Import, error) {
	if len(rows) == 0 {
		return db.importChunk(ctx, a, importID, nil, true)
	}
	var (
		im  *enroll.Import
		err error
	)
	for len(rows) > 0 {
		n, careful := 0, 0
		for n < len(rows) && n < plannedChunk && careful < importChunk {
			if !enroll.ImportPlannable(rows[n]) {
				careful++
			}
			n++
		}
		im, err = db.importChunk(ctx, a, importID, rows[:n], true)
		if errors.Is(err, errPlanConflict) {
			err = nil
			for start := 0; start < n && err == nil; start += importChunk {
				im, err = db.importChunk(ctx, a, importID, rows[start:min(start+importChunk, n)], false)
			}
		}
		if err != nil {
			return im, statementTimedOut(err)
		}
		rows = rows[n:]
	}
	return im, nil
}

// importChunk imports rows in one transaction: with plan, runs of rows
// that enroll.ImportPlannable accepts are planned and written together
// (importRun) and the other rows go one by one (enroll.ImportRowIn); without, every
// row goes one by one. The job's row is locked first, so two runners of
// one job (a stale one that woke up) take turns. Then, with the instance
// and before any look-up, the email locks of all the rows' emails
// (lockEmails, in one statement and in one order): the look-ups see every
// create of those emails committed before, the creates after wait for
// the chunk's commit, and the rows created one by one, which lock their
// emails again as they insert, find them held already, so two chunks
// cannot take them in opposite orders. At most Config.ImportWriters
// chunks run at once (importWriters), the others waiting for their turn.
func (db *DB) importChunk(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow, plan bool) (*enroll.Import, error) {
	select {
	case db.importWriters <- struct{}{}:
		defer func() { <-db.importWriters }()
	case <-ctx.Done():
		return nil, fmt.Errorf("postgres: import: %w", ctx.Err())
	}
	var out *enroll.Import
	err := db.write(ctx, func(tx *tx) error {
		im, err := findImport(ctx, tx, a.WorkspaceID, importID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if im.Finished() {
			return enroll.Errorf(enroll.ECONFLICT, "Import %s has %s.", im.ID, im.Status)
		}
		var p enroll.ImportProgress
		if len(rows) > 0 {
			creates := make([]*enroll.EnrollmentCreate, 0, len(rows))
			for _, r := range rows {
				if r.Create != nil {
					creates = append(creates, r.Create)
				}
			}
			inst, err := tx.instanceForWrite(a.WorkspaceID, im.ProgramInstanceID, true, creates...)
			if err != nil {
				return err
			}
			if err := inst.AcceptsEnrollments(); err != nil {
				return err
			}
			var before map[countKey]int
			if im.DryRun {
				// Everything the rows write is undone below; what they
				// would do is counted, and later rows of the batch see
				// the earlier ones, as in a real run.
				before = maps.Clone(tx.deltas)
				if _, err := tx.exec(`SAVEPOINT import_dry_run`); err != nil {
					return err
				}
			}
			one := func(r *enroll.ImportRow) error { return enroll.ImportRowIn(tx, a, inst, r, &p) }
			if plan {
				err = enroll.EachImportRun(rows, func(_ int, run []*enroll.ImportRow) error { return tx.importRun(a, inst, run, &p) }, one)
			} else {
				for _, r := range rows {
					if err = one(r); err != nil {
						break
					}
				}
			}
			if err != nil {
				return err
			}
			if im.DryRun {
				if _, err := tx.exec(`ROLLBACK TO SAVEPOINT import_dry_run`); err != nil {
					return err
				}
				tx.deltas = before
			}
		}
		im.Add(p)
		im.Status, im.UpdatedAt = enroll.ImportRunning, tx.now
		if err := tx.writeImport(im, false); err != nil {
			return err
		}
		if err := tx.insertImportErrors(im, p.Errors); err != nil {
			return err
		}
		out = im
		return nil
	})
	return out, err
}

// Look-ups of an open enrollment in an instance by each key an import row
// may carry. Each states its partial index's condition, so the index
// serves it. openByEmail is a create's question too (emailHeldOpen, and
// its insert's check, insertEnrollmentRow): emailOpenFrom asks it for
// both.
const (
	openByReference = `SELECT id FROM enrollments WHERE workspace_id = $1 AND reference_id = $2 AND reference_id <> ''
		AND instance_id = $3 AND status NOT IN ('rejected', 'unenrolled') LIMIT 1`
	// openByCustomer reads enrollments_open_customer alone, the workspace
	// checked on the row it finds, as participantOpenFrom says why.
	openByCustomer = `SELECT id FROM (SELECT id, workspace_id FROM enrollments WHERE instance_id = $3 AND customer_id = $2
		AND status NOT IN ('rejected', 'unenrolled') OFFSET 0) o WHERE o.workspace_id = $1 LIMIT 1`
)

var openByEmail = `SELECT id FROM ` + emailOpenFrom("$1", "$2", "$3") + ` LIMIT 1`

// OpenEnrollmentFor implements enroll.ImportRowTx.
func (tx *tx) OpenEnrollmentFor(inst *enroll.ProgramInstance, in *enroll.EnrollmentCreate) (string, error) {
	keys := []struct{ query, value string }{
		{openByReference, in.ReferenceID},
		{openByEmail, in.DuplicateEmail()},
	}
	if in.IdentificationType == enroll.IdentifyByCustomerID {
		keys = append(keys, struct{ query, value string }{openByCustomer, in.CustomerID})
	}
	for _, k := range keys {
		if k.value == "" || badText(k.value) {
			continue
		}
		var id string
		err := tx.QueryRow(tx.ctx, k.query, inst.WorkspaceID, k.value, inst.ID).Scan(&id)
		if err == nil {
			return id, nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return "", wrap(err)
		}
	}
	return "", nil
}

// tx imports rows one at a time too.
var _ enroll.ImportRowTx = (*tx)(nil)

// IsOpen implements enroll.ImportRowTx.
func (tx *tx) IsOpen(inst *enroll.ProgramInstance, id string) (bool, error) {
	var open bool
	err := tx.QueryRow(tx.ctx, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE workspace_id = $1 AND id = $2 AND instance_id = $3
		AND status NOT IN ('rejected', 'unenrolled'))`, inst.WorkspaceID, id, inst.ID).Scan(&open)
	return open, wrap(err)
}

// Savepoint implements enroll.ImportRowTx. Counter changes wait in
// tx.deltas until flushed; restoring them when fn fails is right whether
// or not fn flushed them (a flush inside the savepoint is rolled back with
// it).
func (tx *tx) Savepoint(fn func() error) (failed, err error) {
	before := maps.Clone(tx.deltas)
	if _, err := tx.exec(`SAVEPOINT import_row`); err != nil {
		return nil, err
	}
	if failed = fn(); failed == nil {
		_, err = tx.exec(`RELEASE SAVEPOINT import_row`)
		return nil, err
	}
	if _, err := tx.exec(`ROLLBACK TO SAVEPOINT import_row; RELEASE SAVEPOINT import_row`); err != nil {
		return failed, errors.Join(failed, err)
	}
	tx.deltas = before
	return failed, nil
}

// FinishImport implements enroll.ImportStore.
func (db *DB) FinishImport(ctx context.Context, a enroll.Actor, importID string, status enroll.ImportStatus, message string) (*enroll.Import, error) {
	if status != enroll.ImportSucceeded && status != enroll.ImportFailed {
		return nil, enroll.Errorf(enroll.EINVALID, "An import finishes as succeeded or failed, not %q.", status)
	}
	var out *enroll.Import
	err := db.write(ctx, func(tx *tx) error {
		im, err := findImport(ctx, tx, a.WorkspaceID, importID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if im.Finished() {
			return enroll.Errorf(enroll.ECONFLICT, "Import %s has %s.", im.ID, im.Status)
		}
		now := tx.now
		im.Status, im.Message, im.UpdatedAt, im.FinishedAt = status, message, now, &now
		if status == enroll.ImportSucceeded {
			im.TotalRows = im.ProcessedRows // every row was read
		}
		out = im
		return tx.writeImport(im, false)
	})
	return out, err
}
