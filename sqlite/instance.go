package sqlite

import (
	"context"

	"github.com/enrollhq/enroll"
)

func (tx *Tx) writeInstance(in *enroll.ProgramInstance, insert bool) error {
	doc, err := encode(in)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO program_instances (id, workspace_id, program_id, slug, status, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.WorkspaceID, in.ProgramID, in.Slug, string(in.Status), doc, micros(in.CreatedAt), micros(in.UpdatedAt))
	} else {
		_, err = tx.exec(`UPDATE program_instances SET slug = ?, status = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			in.Slug, string(in.Status), doc, micros(in.UpdatedAt), in.WorkspaceID, in.ID)
	}
	if constraint(err) != "" {
		return enroll.FieldConflict("slug", in.Slug, "The program already has an instance with slug %q.", in.Slug)
	}
	return err
}

// CreateInstance implements enroll.Store.
func (db *DB) CreateInstance(ctx context.Context, a enroll.Actor, in *enroll.ProgramInstance) error {
	in.TrimRuleNames()
	if err := in.Validate(); err != nil {
		return err
	}
	if err := db.engine.Check(in.EligibilityRules, in.Parameters); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		p, err := findProgram(ctx, tx, a.WorkspaceID, in.ProgramID)
		if err != nil {
			return err
		}
		in.ID, in.WorkspaceID, in.ProgramID, in.RulesVersion = enroll.NewID(), a.WorkspaceID, p.ID, 1
		in.CreatedAt, in.UpdatedAt = tx.now, tx.now
		if err := tx.writeInstance(in, true); err != nil {
			return err
		}
		return tx.event(a, enroll.EventInstanceCreated, in.ID, in, nil)
	})
}

func findInstance(ctx context.Context, q querier, wsID, id string) (*enroll.ProgramInstance, error) {
	doc, err := instanceDoc(ctx, q, wsID, id)
	if err != nil {
		return nil, err
	}
	in, err := decode[enroll.ProgramInstance](doc)
	if err != nil {
		return nil, err
	}
	in.WorkspaceID = wsID
	return in, nil
}

// instanceDoc returns the stored document of instance id of workspace wsID.
// Returns ENOTFOUND.
func instanceDoc(ctx context.Context, q querier, wsID, id string) (string, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM program_instances WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc)
	if err != nil {
		return "", notFound(err, "Program instance", id)
	}
	return doc, nil
}

// FindInstance implements enroll.Store.
func (db *DB) FindInstance(ctx context.Context, wsID, id string) (*enroll.ProgramInstance, error) {
	return findInstance(ctx, db.r, wsID, id)
}

// ListInstances implements enroll.Store.
func (db *DB) ListInstances(ctx context.Context, wsID string, f enroll.InstanceFilter) (*enroll.Page[*enroll.ProgramInstance], error) {
	fh := enroll.HashFilter(struct {
		P string
		S []enroll.InstanceStatus
		I []string
	}{f.ProgramID, f.Statuses, f.IDs})
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	if f.ProgramID != "" {
		id, err := filterProgramID(ctx, db.r, wsID, f.ProgramID)
		if err != nil {
			return nil, err
		}
		w.add("program_id = ?", id)
	}
	in(&w, "status", f.Statuses)
	in(&w, "id", f.IDs)
	return page[enroll.ProgramInstance](ctx, db.r, "program_instances", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "program_instances", w)
	})
}

// UpdateInstance implements enroll.Store. Changed rules are checked
// before the write transaction (enroll.WriteCheckedRules), which would
// otherwise hold SQLite's writer, every workspace's writes, while the
// check tries them.
func (db *DB) UpdateInstance(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.ProgramInstance) error) (*enroll.ProgramInstance, error) {
	var out *enroll.ProgramInstance
	err := enroll.WriteCheckedRules(db.engine, func(checked enroll.CheckedRules) error {
		out = nil
		return db.write(ctx, func(tx *Tx) error {
			old, err := findInstance(ctx, tx, a.WorkspaceID, id)
			if err != nil {
				return err
			}
			in, prev, err := old.Update(fn, checked)
			if err != nil {
				return err
			}
			out = in
			if len(prev) == 0 {
				return nil
			}
			if err := tx.registerUniqueValues(old, in); err != nil {
				return err
			}
			in.UpdatedAt = tx.now
			if err := tx.writeInstance(in, false); err != nil {
				return err
			}
			return tx.event(a, enroll.EventInstanceUpdated, in.ID, in, prev)
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteInstance implements enroll.Store.
func (db *DB) DeleteInstance(ctx context.Context, a enroll.Actor, id string, check func(*enroll.ProgramInstance) error) error {
	return db.write(ctx, func(tx *Tx) error {
		in, err := findInstance(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if err := enroll.RunCheck(check, in); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM enrollments WHERE workspace_id = ? AND instance_id = ? LIMIT 1)`, in.WorkspaceID, in.ID).Scan(&one); err != nil {
			return err
		} else if one > 0 {
			return enroll.Errorf(enroll.ECONFLICT, "Program instance %s has enrollments; archive it instead (status archived).", in.ID)
		}
		if _, err := tx.exec(`DELETE FROM program_instances WHERE workspace_id = ? AND id = ?`, in.WorkspaceID, in.ID); err != nil {
			return err
		}
		return tx.event(a, enroll.EventInstanceDeleted, in.ID, in, nil)
	})
}
