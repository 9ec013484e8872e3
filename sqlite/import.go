package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
)

var _ enroll.ImportStore = (*DB)(nil)

func init() {
	// An Idempotency-Key on POST .../imports records the job it created.
	objectTables[enroll.KindImport] = "imports"
}

// writeImport stores a job; its doc carries the counters and the first
// errors, so reading a job is one query.
func (tx *Tx) writeImport(im *enroll.Import, insert bool) error {
	doc, err := encode(im)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO imports (id, workspace_id, instance_id, status, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			im.ID, im.WorkspaceID, im.ProgramInstanceID, string(im.Status), doc, micros(im.CreatedAt), micros(im.UpdatedAt))
		return err
	}
	_, err = tx.exec(`UPDATE imports SET status = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		string(im.Status), doc, micros(im.UpdatedAt), im.WorkspaceID, im.ID)
	return err
}

// insertImportErrors stores every error of a batch.
func (tx *Tx) insertImportErrors(im *enroll.Import, errs []enroll.ImportError) error {
	for _, e := range errs {
		if _, err := tx.exec(`INSERT INTO import_errors (workspace_id, import_id, row_no, field, message) VALUES (?, ?, ?, ?, ?)`,
			im.WorkspaceID, im.ID, e.Row, e.Field, e.Message); err != nil {
			return err
		}
	}
	return nil
}

func findImport(ctx context.Context, q querier, wsID, id string) (*enroll.Import, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM imports WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc)
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
	return db.write(ctx, func(tx *Tx) error {
		inst, err := findInstance(ctx, tx, a.WorkspaceID, given.ProgramInstanceID)
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
		return tx.insertImportErrors(im, given.Errors)
	})
}

// FindImport implements enroll.ImportStore.
func (db *DB) FindImport(ctx context.Context, wsID, id string) (*enroll.Import, error) {
	im, err := findImport(ctx, db.r, wsID, id)
	if err != nil {
		return nil, err
	}
	im.Settle(db.clock.Now())
	return im, nil
}

// ListImportErrors implements enroll.ImportStore. The total is the job's
// errorCount, which is written with the errors it counts.
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
	im, err := findImport(ctx, db.r, wsID, importID)
	if err != nil {
		return nil, err
	}
	query := `SELECT seq, row_no, field, message FROM import_errors WHERE workspace_id = ? AND import_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	args := []any{wsID, importID, after, p.PerPage + 1}
	if c == nil && p.Offset() > 0 {
		query += " OFFSET ?"
		args = append(args, p.Offset())
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: import errors: %w", err)
	}
	defer rows.Close()
	var (
		out  []enroll.ImportError
		seqs []int64
	)
	for rows.Next() {
		var (
			e   enroll.ImportError
			seq int64
		)
		if err := rows.Scan(&seq, &e.Row, &e.Field, &e.Message); err != nil {
			return nil, fmt.Errorf("sqlite: import errors: %w", err)
		}
		out, seqs = append(out, e), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: import errors: %w", err)
	}
	last := min(p.PerPage, len(seqs)) - 1
	return enroll.NewPage(out, p, im.ErrorCount, func(enroll.ImportError) enroll.Cursor {
		s := strconv.FormatInt(seqs[last], 10)
		return enroll.Cursor{Sort: p.Sort, Text: s, ID: s, Filter: fh}
	}), nil
}

// ImportEnrollments implements enroll.ImportStore: one write transaction
// for the batch, or one for each run of its parts written before other
// writes wait (ImportPrepared). Runs of customerInfo rows are planned in memory and written
// together (importRun); any other row runs the create path in a savepoint
// of its own (enroll.ImportRowIn).
func (db *DB) ImportEnrollments(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow) (*enroll.Import, error) {
	return db.ImportPrepared(ctx, a, importID, rows, nil)
}

// While other writes wait for the writer behind an import, or did in the
// last importContendedFor, a batch is planned and written in parts of
// importPart rows: a part about 30 ms of the writer's time at 8,000
// rows/s, where a whole batch held those writes for 120 ms or more. Runs
// of rows are planned (and planned ahead) within a part, never across
// one, which costs about 4% more CPU a row than runs of the whole batch:
// an import that nothing waits for writes whole batches.
const (
	importPart         = 250
	importContendedFor = 5 * time.Second
)

// importPartSize returns the size of the parts to plan and write the next
// batch in: importPart when writes waited for an import lately, else 0
// (the whole batch).
func (db *DB) importPartSize() int {
	if time.Since(time.Unix(0, db.importContended.Load())) < importContendedFor {
		return importPart
	}
	return 0
}

// eachImportPart calls fn for the parts of size part (0: one part) of
// rows, in order, with the index of each part's first row, until fn says
// to stop (false) or fails.
func eachImportPart(rows []*enroll.ImportRow, part int, fn func(first int, part []*enroll.ImportRow) (bool, error)) error {
	if part <= 0 {
		part = len(rows)
	}
	for first := 0; first < len(rows); first += part {
		more, err := fn(first, rows[first:min(first+part, len(rows))])
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// ImportPrepared implements enroll.ImportPreparer. A batch is written in
// one transaction, unless it is written in parts (importPart) and writes
// wait for the writer at the end of one: the transaction then ends there,
// the waiting writes commit, and the rest of the batch is written in
// another transaction (or several). Each counts the rows it wrote in the
// job, so that the job says what committed; a dry run's batch is never
// split, as its rows see only the earlier rows of their transaction.
func (db *DB) ImportPrepared(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow,
	prep *enroll.PreparedImport) (*enroll.Import, error) {
	part := db.importPartSize()
	if prep != nil {
		// The parts the runs were planned within.
		part = prep.Part
	}
	for from := 0; ; {
		im, done, err := db.importRows(ctx, a, importID, rows, from, part, prep)
		if err != nil || done == len(rows) {
			return im, err
		}
		from = done
	}
}

// importRows writes rows[from:] in one write transaction, or as many of
// its parts as it writes before other writes wait (see ImportPrepared),
// and returns the job and the index of the first row not written.
func (db *DB) importRows(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow, from, partSize int,
	prep *enroll.PreparedImport) (*enroll.Import, int, error) {
	var out *enroll.Import
	done := from
	write := db.write
	if len(rows) > 0 {
		// A batch holds the writer for a fraction of a second.
		write = db.writeLong
	}
	err := write(ctx, func(tx *Tx) error {
		done = from
		im, err := findImport(ctx, tx, a.WorkspaceID, importID)
		if err != nil {
			return err
		}
		if im.Finished() {
			return enroll.Errorf(enroll.ECONFLICT, "Import %s has %s.", im.ID, im.Status)
		}
		var p enroll.ImportProgress
		if len(rows) > 0 {
			inst, err := findInstance(ctx, tx, a.WorkspaceID, im.ProgramInstanceID)
			if err != nil {
				return err
			}
			if err := inst.AcceptsEnrollments(); err != nil {
				return err
			}
			if im.DryRun {
				// Everything the rows write is undone below; what they
				// would do is counted, and later rows of the batch see
				// the earlier ones, as in a real run.
				if _, err := tx.exec(`SAVEPOINT import_dry_run`); err != nil {
					return err
				}
			}
			pr := preparedRun{imp: prep}
			if prep != nil {
				if pr.instance, err = enroll.InstanceDigest(inst); err != nil {
					return err
				}
			}
			err = eachImportPart(rows, partSize, func(first int, part []*enroll.ImportRow) (bool, error) {
				if first < from {
					return true, nil
				}
				if first > from && !im.DryRun && db.group.waiting() {
					return false, nil
				}
				err := enroll.EachImportRun(part,
					func(i int, run []*enroll.ImportRow) error { return tx.importRun(a, inst, run, &p, pr.at(first+i)) },
					func(r *enroll.ImportRow) error { return enroll.ImportRowIn(tx, a, inst, r, &p) })
				done = first + len(part)
				if hook := db.afterImportPart; hook != nil && err == nil {
					hook()
				}
				return true, err
			})
			if err != nil {
				return err
			}
			if im.DryRun {
				if _, err := tx.exec(`ROLLBACK TO import_dry_run`); err != nil {
					return err
				}
				if _, err := tx.exec(`RELEASE import_dry_run`); err != nil {
					return err
				}
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
		if len(rows) > 0 && db.group.waiting() {
			// Writes queued while this transaction ran: the next batches
			// are written in parts.
			db.importContended.Store(time.Now().UnixNano())
		}
		out = im
		return nil
	})
	if err != nil {
		return nil, from, err
	}
	return out, done, nil
}

// Look-ups of an open enrollment in an instance by each key an import
// row may carry (a create asks openByEmail's question too, in
// openUnindexed: emailOpenFrom asks it for both). Each names its partial
// index's condition, so the index serves it, and reads the instance as a
// filter (+instance_id): SQLite, without statistics, would otherwise walk
// the instance's enrollments by one of its indexes
// (TestConvertedLeadsPlan).
const (
	openByReference = `SELECT id FROM enrollments WHERE workspace_id = ? AND reference_id = ? AND reference_id <> ''
		AND +instance_id = ? AND status NOT IN ('rejected', 'unenrolled') LIMIT 1`
	openByCustomer = `SELECT id FROM enrollments WHERE workspace_id = ? AND customer_id = ?
		AND instance_id = ? AND status NOT IN ('rejected', 'unenrolled') LIMIT 1`
)

var openByEmail = `SELECT id FROM ` + emailOpenFrom("?", "?", "?") + ` LIMIT 1`

// OpenEnrollmentFor implements enroll.ImportRowTx.
func (tx *Tx) OpenEnrollmentFor(inst *enroll.ProgramInstance, in *enroll.EnrollmentCreate) (string, error) {
	keys := []struct{ query, value string }{
		{openByReference, in.ReferenceID},
		{openByEmail, in.DuplicateEmail()},
	}
	if in.IdentificationType == enroll.IdentifyByCustomerID {
		keys = append(keys, struct{ query, value string }{openByCustomer, in.CustomerID})
	}
	for _, k := range keys {
		if k.value == "" {
			continue
		}
		var id string
		err := tx.QueryRowContext(tx.ctx, k.query, inst.WorkspaceID, k.value, inst.ID).Scan(&id)
		if err == nil {
			return id, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("sqlite: import: %w", err)
		}
	}
	return "", nil
}

// Tx imports rows one at a time too.
var _ enroll.ImportRowTx = (*Tx)(nil)

// IsOpen implements enroll.ImportRowTx.
func (tx *Tx) IsOpen(inst *enroll.ProgramInstance, id string) (bool, error) {
	var n int
	err := tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM enrollments WHERE workspace_id = ? AND id = ? AND instance_id = ?
		AND status NOT IN ('rejected', 'unenrolled')`, inst.WorkspaceID, id, inst.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: import: %w", err)
	}
	return n > 0, nil
}

// Savepoint implements enroll.ImportRowTx.
func (tx *Tx) Savepoint(fn func() error) (failed, err error) {
	if _, err := tx.exec(`SAVEPOINT import_row`); err != nil {
		return nil, err
	}
	if failed = fn(); failed == nil {
		_, err = tx.exec(`RELEASE import_row`)
		return nil, err
	}
	// ROLLBACK TO also cancels the savepoints fn left open; RELEASE then
	// removes this one.
	if _, err := tx.exec(`ROLLBACK TO import_row`); err != nil {
		return failed, errors.Join(failed, err)
	}
	if _, err := tx.exec(`RELEASE import_row`); err != nil {
		return failed, errors.Join(failed, err)
	}
	return failed, nil
}

// FinishImport implements enroll.ImportStore.
func (db *DB) FinishImport(ctx context.Context, a enroll.Actor, importID string, status enroll.ImportStatus, message string) (*enroll.Import, error) {
	if status != enroll.ImportSucceeded && status != enroll.ImportFailed {
		return nil, enroll.Errorf(enroll.EINVALID, "An import finishes as succeeded or failed, not %q.", status)
	}
	var out *enroll.Import
	err := db.write(ctx, func(tx *Tx) error {
		im, err := findImport(ctx, tx, a.WorkspaceID, importID)
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
