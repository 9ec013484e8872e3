package sqlite

import (
	"context"
	"fmt"
	"slices"

	"github.com/enrollhq/enroll"
)

// preparedRun is what importRun needs of a batch planned ahead: the plans,
// the index of the run's first row in the batch, and the digest of the
// instance as the writing transaction reads it.
type preparedRun struct {
	imp      *enroll.PreparedImport
	first    int
	instance string
}

// at returns the prepared run starting at row index first, or nil when
// nothing was planned for it.
func (pr preparedRun) at(first int) *preparedRun {
	if pr.imp == nil || pr.imp.Runs[first] == nil {
		return nil
	}
	pr.first = first
	return &pr
}

// PrepareImport implements enroll.ImportPreparer: rows are looked up and
// planned in a read transaction of their own, on a reader connection,
// while the writer may be writing the batch before.
func (db *DB) PrepareImport(ctx context.Context, a enroll.Actor, importID string, rows []*enroll.ImportRow) (*enroll.PreparedImport, error) {
	rtx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare import: %w", err)
	}
	defer rtx.Rollback()
	im, err := findImport(ctx, rtx, a.WorkspaceID, importID)
	if err != nil {
		return nil, err
	}
	out := &enroll.PreparedImport{Runs: map[int]*enroll.PreparedRun{}}
	if im.Finished() || im.DryRun {
		return out, nil
	}
	inst, err := findInstance(ctx, rtx, a.WorkspaceID, im.ProgramInstanceID)
	if err != nil {
		return nil, err
	}
	if inst.AcceptsEnrollments() != nil {
		return out, nil
	}
	// A batch holding rows that are planned only in the write transaction
	// (leadId, customerId, enrollmentId) is planned there whole: planned
	// ahead, its customerInfo rows would take earlier ids and times than
	// the rows before them in the file, and list out of the file's order.
	if slices.ContainsFunc(rows, func(r *enroll.ImportRow) bool { return !enroll.ImportPlannable(r) }) {
		return out, nil
	}
	if out.Instance, err = enroll.InstanceDigest(inst); err != nil {
		return nil, err
	}
	pl := &enroll.ImportPlanner{Actor: a, Instance: inst, Engine: db.engine, Now: db.clock.Now()}
	// Runs are planned within the parts the batch is to be written in.
	out.Part = db.importPartSize()
	err = eachImportPart(rows, out.Part, func(at int, part []*enroll.ImportRow) (bool, error) {
		return true, enroll.EachImportRun(part, func(first int, run []*enroll.ImportRow) error {
			lookup, err := importLookup(ctx, rtx, pl, run)
			if err != nil {
				return err
			}
			digest, err := lookup.Digest()
			if err != nil {
				return err
			}
			plan, err := pl.Plan(ctx, run, lookup)
			if err != nil {
				return err
			}
			out.Runs[at+first] = &enroll.PreparedRun{Lookup: digest, Plan: plan}
			return nil
		}, func(*enroll.ImportRow) error { return nil })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
