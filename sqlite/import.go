package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

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
// for the batch. Runs of customerInfo rows are planned in memory and written
// together (importRun); any other row runs the create path in a savepoint
// of its own (enroll.ImportRowIn).
func (db *DB) ImportEnrollments(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow) (*enroll.Import, error) {
	return db.ImportPrepared(ctx, a, importID, rows, nil)
}

// ImportPrepared implements enroll.ImportPreparer.
func (db *DB) ImportPrepared(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow,
	prep *enroll.PreparedImport) (*enroll.Import, error) {
	var out *enroll.Import
	write := db.write
	if len(rows) > 0 {
		// A batch holds the writer for a fraction of a second.
		write = db.writeLong
	}
	err := write(ctx, func(tx *Tx) error {
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
			err = enroll.EachImportRun(rows,
				func(first int, run []*enroll.ImportRow) error { return tx.importRun(a, inst, run, &p, pr.at(first)) },
				func(r *enroll.ImportRow) error { return enroll.ImportRowIn(tx, a, inst, r, &p) })
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
		out = im
		return nil
	})
	return out, err
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
