package sqlite

import (
	"context"

	"github.com/enrollhq/enroll"
)

func (tx *Tx) writeLead(l *enroll.Lead, insert bool) error {
	doc, err := encode(l)
	if err != nil {
		return err
	}
	email := enroll.NormalizeEmail(l.Email)
	if insert {
		_, err = tx.exec(`INSERT INTO leads (id, workspace_id, email_norm, customer_id, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			l.ID, l.WorkspaceID, email, nullString(l.CustomerID), doc, micros(l.CreatedAt), micros(l.UpdatedAt))
	} else {
		_, err = tx.exec(`UPDATE leads SET email_norm = ?, customer_id = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			email, nullString(l.CustomerID), doc, micros(l.UpdatedAt), l.WorkspaceID, l.ID)
	}
	return err
}

// CreateLead implements enroll.Store.
func (db *DB) CreateLead(ctx context.Context, a enroll.Actor, l *enroll.Lead) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l.CustomerID = "" // set only by enrolling the lead
	return db.write(ctx, func(tx *Tx) error {
		l.ID, l.WorkspaceID, l.CreatedAt, l.UpdatedAt = enroll.NewID(), a.WorkspaceID, tx.now, tx.now
		return tx.writeLead(l, true)
	})
}

func findLead(ctx context.Context, q querier, wsID, id string) (*enroll.Lead, error) {
	var doc string
	if err := q.QueryRowContext(ctx, `SELECT doc FROM leads WHERE workspace_id = ? AND id = ?`, wsID, id).Scan(&doc); err != nil {
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
	return findLead(ctx, db.r, wsID, id)
}

// ListLeads implements enroll.Store.
func (db *DB) ListLeads(ctx context.Context, wsID string, f enroll.LeadFilter) (*enroll.Page[*enroll.Lead], error) {
	fh := f.Hash()
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	w := leadWhere(wsID, f)
	return page[enroll.Lead](ctx, db.r, "leads", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "leads", w)
	})
}

// leadWhere returns the conditions of a lead list. An email or a
// customer matches few leads: they are read by its index and sorted
// (where.few), not by walking the workspace's, as a customer list's are
// (customerWhere).
func leadWhere(wsID string, f enroll.LeadFilter) where {
	w := where{few: f.Email != "" || f.CustomerID != ""}
	w.add("workspace_id = ?", wsID)
	if f.Email != "" {
		// A lead without an email is stored with '', which a filter of
		// white space must not match.
		w.add("email_norm = ? AND email_norm <> ''", enroll.NormalizeEmail(f.Email))
	}
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	return w
}

// UpdateLead implements enroll.Store.
func (db *DB) UpdateLead(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Lead) error) (*enroll.Lead, error) {
	var out *enroll.Lead
	err := db.write(ctx, func(tx *Tx) error {
		old, err := findLead(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
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
	return db.write(ctx, func(tx *Tx) error {
		l, err := findLead(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if err := enroll.RunCheck(check, l); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM leads WHERE workspace_id = ? AND id = ?`, l.WorkspaceID, l.ID)
		if isForeignKey(err) {
			return enroll.Errorf(enroll.ECONFLICT, "Lead %s has enrollments referring to it.", l.ID)
		}
		return err
	})
}
