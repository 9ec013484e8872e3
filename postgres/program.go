package postgres

import (
	"context"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

func (tx *tx) writeProgram(p *enroll.Program, insert bool) error {
	doc, err := encode(p)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(`INSERT INTO programs (id, workspace_id, slug, active, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, p.WorkspaceID, p.Slug, p.Active, doc, p.CreatedAt, p.UpdatedAt)
	} else {
		_, err = tx.exec(`UPDATE programs SET slug = $1, active = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
			p.Slug, p.Active, doc, p.UpdatedAt, p.WorkspaceID, p.ID)
	}
	if constraint(err) != "" {
		return enroll.FieldConflict("slug", p.Slug, "A program with slug %q exists.", p.Slug)
	}
	return err
}

// CreateProgram implements enroll.Store.
func (db *DB) CreateProgram(ctx context.Context, a enroll.Actor, p *enroll.Program) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		p.ID, p.WorkspaceID, p.CreatedAt, p.UpdatedAt = enroll.NewID(), a.WorkspaceID, tx.now, tx.now
		if err := tx.writeProgram(p, true); err != nil {
			return err
		}
		tx.created(enroll.KindProgram, p.ID)
		return tx.event(a, enroll.EventProgramCreated, p.ID, p, nil)
	})
}

// findProgram loads a program by id or slug; lock is "" or a locking clause
// such as "FOR UPDATE".
func findProgram(ctx context.Context, q querier, wsID, idOrSlug, lock string) (*enroll.Program, error) {
	var doc []byte
	err := q.QueryRow(ctx, `SELECT doc FROM programs WHERE workspace_id = $1 AND (id = $2 OR slug = $2) ORDER BY id = $2 DESC LIMIT 1 `+lock,
		wsID, idOrSlug).Scan(&doc)
	if err != nil {
		return nil, notFound(err, "Program", idOrSlug)
	}
	p, err := decode[enroll.Program](doc)
	if err != nil {
		return nil, err
	}
	p.WorkspaceID = wsID
	return p, nil
}

// filterProgramID returns the id of the program idOrSlug names, for a
// list's program filter. An unknown program matches nothing, as an unknown
// customerId does in an enrollment list, so it returns idOrSlug itself: no
// program of the workspace has that id, so no instance has it as its
// program_id.
func filterProgramID(ctx context.Context, q querier, wsID, idOrSlug string) (string, error) {
	p, err := findProgram(ctx, q, wsID, idOrSlug, "")
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return idOrSlug, nil
	} else if err != nil {
		return "", err
	}
	return p.ID, nil
}

// FindProgram implements enroll.Store.
func (db *DB) FindProgram(ctx context.Context, wsID, idOrSlug string) (*enroll.Program, error) {
	return findProgram(ctx, db.pool, wsID, idOrSlug, "")
}

// ListPrograms implements enroll.Store.
func (db *DB) ListPrograms(ctx context.Context, wsID string, f enroll.ProgramFilter) (*enroll.Page[*enroll.Program], error) {
	fh := enroll.HashFilter(f.Active)
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	var out *enroll.Page[*enroll.Program]
	err = db.read(ctx, func(q pgx.Tx) error {
		out, err = page[enroll.Program](ctx, q, "programs", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "programs", w)
		})
		return err
	})
	return out, err
}

// UpdateProgram implements enroll.Store.
func (db *DB) UpdateProgram(ctx context.Context, a enroll.Actor, idOrSlug string, fn func(*enroll.Program) error) (*enroll.Program, error) {
	var out *enroll.Program
	err := db.write(ctx, func(tx *tx) error {
		old, err := findProgram(ctx, tx, a.WorkspaceID, idOrSlug, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(old.UpdatedAt)
		p := enroll.Clone(old)
		if err := fn(p); err != nil {
			return err
		}
		p.ID, p.WorkspaceID, p.CreatedAt, p.UpdatedAt = old.ID, old.WorkspaceID, old.CreatedAt, old.UpdatedAt
		if err := p.ValidateChange(old); err != nil {
			return err
		}
		out = p
		prev := enroll.Diff(old, p)
		if len(prev) == 0 {
			return nil
		}
		p.UpdatedAt = tx.now
		if err := tx.writeProgram(p, false); err != nil {
			return err
		}
		return tx.event(a, enroll.EventProgramUpdated, p.ID, p, prev)
	})
	return out, err
}

// DeleteProgram implements enroll.Store. The program's row lock makes a
// concurrent CreateInstance wait (its foreign key check needs the row), so
// the count of instances cannot go stale before the delete.
func (db *DB) DeleteProgram(ctx context.Context, a enroll.Actor, idOrSlug string, check func(*enroll.Program) error) error {
	return db.write(ctx, func(tx *tx) error {
		p, err := findProgram(ctx, tx, a.WorkspaceID, idOrSlug, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(p.UpdatedAt)
		if err := enroll.RunCheck(check, p); err != nil {
			return err
		}
		var w where
		w.add("workspace_id = ?", p.WorkspaceID)
		w.add("program_id = ?", p.ID)
		if n, err := countRows(ctx, tx, "program_instances", w); err != nil {
			return err
		} else if n > 0 {
			return enroll.Errorf(enroll.ECONFLICT, "Program %s has %s; delete or keep them first.", p.ID, enroll.Quantity(n, "program instance", "program instances"))
		}
		_, err = tx.exec(`DELETE FROM programs WHERE workspace_id = $1 AND id = $2`, p.WorkspaceID, p.ID)
		if foreignKey(err) != "" {
			return enroll.Errorf(enroll.ECONFLICT, "Program %s has program instances; delete or keep them first.", p.ID)
		} else if err != nil {
			return err
		}
		return tx.event(a, enroll.EventProgramDeleted, p.ID, p, nil)
	})
}
