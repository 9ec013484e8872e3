package postgres

import (
	"context"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

func (tx *tx) writeLead(l *enroll.Lead, insert bool) error {
	doc, err := encode(l)
	if err != nil {
		return err
	}
	email := enroll.NormalizeEmail(l.Email)
	if insert {
		_, err = tx.exec(`INSERT INTO leads (id, workspace_id, email_norm, customer_id, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			l.ID, l.WorkspaceID, email, nullString(l.CustomerID), doc, l.CreatedAt, l.UpdatedAt)
	} else {
		_, err = tx.exec(`UPDATE leads SET email_norm = $1, customer_id = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`,
			email, nullString(l.CustomerID), doc, l.UpdatedAt, l.WorkspaceID, l.ID)
	}
	if fk := foreignKey(err); fk == "leads_workspace_fkey" {
		return enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", l.WorkspaceID)
	} else if fk != "" {
		return enroll.Errorf(enroll.ENOTFOUND, "Customer %s not found.", l.CustomerID)
	}
	return err
}

// CreateLead implements enroll.Store.
func (db *DB) CreateLead(ctx context.Context, a enroll.Actor, l *enroll.Lead) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l.CustomerID = "" // set only by enrolling the lead
	return db.write(ctx, func(tx *tx) error {
		l.ID, l.WorkspaceID, l.CreatedAt, l.UpdatedAt = enroll.NewID(), a.WorkspaceID, tx.now, tx.now
		if err := tx.writeLead(l, true); err != nil {
			return err
		}
		tx.created(enroll.KindLead, l.ID)
		return nil
	})
}

// findLead loads a lead; lock is "" or a locking clause.
func findLead(ctx context.Context, q querier, wsID, id, lock string) (*enroll.Lead, error) {
	var doc []byte
	if err := q.QueryRow(ctx, `SELECT doc FROM leads WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id).Scan(&doc); err != nil {
		return nil, notFound(err, "Lead", id)
	}
	l, err := decode[enroll.Lead](doc)
	if err != nil {
		return nil, err
	}
	l.WorkspaceID = wsID
	return l, nil
}

// FindLead implements enroll.Store.
func (db *DB) FindLead(ctx context.Context, wsID, id string) (*enroll.Lead, error) {
	return findLead(ctx, db.pool, wsID, id, "")
}

// ListLeads implements enroll.Store.
func (db *DB) ListLeads(ctx context.Context, wsID string, f enroll.LeadFilter) (*enroll.Page[*enroll.Lead], error) {
	fh := f.Hash()
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	if f.Email != "" {
		// A lead without an email is stored with '', which a filter of
		// white space must not match.
		w.add("email_norm = ? AND email_norm <> ''", enroll.NormalizeEmail(f.Email))
	}
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	var out *enroll.Page[*enroll.Lead]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.Lead](ctx, q, "leads", w, f.ListParams, c, fh, func() (int, error) {
			return countRows(ctx, q, "leads", w)
		})
		return err
	})
	return out, err
}

// UpdateLead implements enroll.Store.
func (db *DB) UpdateLead(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Lead) error) (*enroll.Lead, error) {
	var out *enroll.Lead
	err := db.write(ctx, func(tx *tx) error {
		old, err := findLead(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(old.UpdatedAt)
		l := enroll.Clone(old)
		if err := fn(l); err != nil {
			return err
		}
		l.ID, l.WorkspaceID, l.CustomerID = old.ID, old.WorkspaceID, old.CustomerID
		l.CreatedAt, l.UpdatedAt = old.CreatedAt, old.UpdatedAt
		if err := l.ValidateChange(old); err != nil {
			return err
		}
		out = l
		if len(enroll.Diff(old, l)) == 0 {
			return nil
		}
		l.UpdatedAt = tx.now
		return tx.writeLead(l, false)
	})
	return out, err
}

// DeleteLead implements enroll.Store.
func (db *DB) DeleteLead(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Lead) error) error {
	return db.write(ctx, func(tx *tx) error {
		l, err := findLead(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(l.UpdatedAt)
		if err := enroll.RunCheck(check, l); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM leads WHERE workspace_id = $1 AND id = $2`, l.WorkspaceID, l.ID)
		if foreignKey(err) != "" {
			return enroll.Errorf(enroll.ECONFLICT, "Lead %s has enrollments referring to it.", l.ID)
		}
		return err
	})
}

// nullString maps "" to SQL NULL, for optional references.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
