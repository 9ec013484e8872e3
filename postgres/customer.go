package postgres

import (
	"context"
	"fmt"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// insertCustomer inserts c unless a customer of its workspace has its
// email, and reports whether it did. ON CONFLICT ... DO NOTHING waits for a
// concurrent insert of the same email to commit (or roll back) instead of
// failing, so the caller can read the winner in the same transaction.
func (tx *tx) insertCustomer(c *enroll.Customer) (bool, error) {
	doc, err := encode(c)
	if err != nil {
		return false, err
	}
	tag, err := tx.exec(`INSERT INTO customers (id, workspace_id, email_norm, reference_id, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id, email_norm) DO NOTHING`,
		c.ID, c.WorkspaceID, enroll.NormalizeEmail(c.Email), c.ReferenceID, doc, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	tx.created(enroll.KindCustomer, c.ID)
	return true, nil
}

// updateCustomer stores a changed customer. A new email may be taken: the
// update then runs in a savepoint, so the transaction survives the unique
// violation and can name the customer holding the email.
func (tx *tx) updateCustomer(old, c *enroll.Customer) error {
	doc, err := encode(c)
	if err != nil {
		return err
	}
	email := enroll.NormalizeEmail(c.Email)
	const query = `UPDATE customers SET email_norm = $1, reference_id = $2, doc = $3, updated_at = $4 WHERE workspace_id = $5 AND id = $6`
	args := []any{email, c.ReferenceID, doc, c.UpdatedAt, c.WorkspaceID, c.ID}
	if email == enroll.NormalizeEmail(old.Email) {
		_, err := tx.exec(query, args...)
		return err
	}
	sp, err := tx.Begin(tx.ctx)
	if err != nil {
		return wrap(err)
	}
	_, err = sp.Exec(tx.ctx, query, args...)
	if constraint(err) == "" {
		if err != nil {
			return wrap(err)
		}
		return wrap(sp.Commit(tx.ctx))
	}
	if err := sp.Rollback(tx.ctx); err != nil {
		return wrap(err)
	}
	return tx.emailTaken(c)
}

// emailTaken returns the ECONFLICT for a customer whose email another
// customer of the workspace holds, naming that customer when it can.
func (tx *tx) emailTaken(c *enroll.Customer) error {
	e := enroll.Errorf(enroll.ECONFLICT, "A customer with email %s exists.", c.Email)
	if other, err := findCustomerByEmail(tx.ctx, tx, c.WorkspaceID, c.Email, ""); err == nil {
		e.Extra = map[string]any{"existingId": other.ID}
	} else if enroll.ErrorCode(err) != enroll.ENOTFOUND {
		return err
	}
	return e
}

// CreateCustomer implements enroll.Store.
func (db *DB) CreateCustomer(ctx context.Context, a enroll.Actor, c *enroll.Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *tx) error {
		c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = enroll.NewID(), a.WorkspaceID, tx.now, tx.now
		inserted, err := tx.insertCustomer(c)
		if foreignKey(err) != "" {
			return enroll.Errorf(enroll.ENOTFOUND, "Workspace %s not found.", a.WorkspaceID)
		} else if err != nil {
			return err
		}
		if !inserted {
			return tx.emailTaken(c)
		}
		return nil
	})
}

func scanCustomer(row pgx.Row, wsID, id string) (*enroll.Customer, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, notFound(err, "Customer", id)
	}
	c, err := decode[enroll.Customer](doc)
	if err != nil {
		return nil, err
	}
	c.WorkspaceID = wsID
	return c, nil
}

// findCustomer loads a customer; lock is "" or a locking clause.
func findCustomer(ctx context.Context, q querier, wsID, id, lock string) (*enroll.Customer, error) {
	return scanCustomer(q.QueryRow(ctx, `SELECT doc FROM customers WHERE workspace_id = $1 AND id = $2 `+lock, wsID, id), wsID, id)
}

// findCustomerByEmail loads the customer with an email; lock is "" or a
// locking clause.
func findCustomerByEmail(ctx context.Context, q querier, wsID, email, lock string) (*enroll.Customer, error) {
	return scanCustomer(q.QueryRow(ctx, `SELECT doc FROM customers WHERE workspace_id = $1 AND email_norm = $2 `+lock,
		wsID, enroll.NormalizeEmail(email)), wsID, email)
}

// FindCustomer implements enroll.Store.
func (db *DB) FindCustomer(ctx context.Context, wsID, id string) (*enroll.Customer, error) {
	return findCustomer(ctx, db.pool, wsID, id, "")
}

// ListCustomers implements enroll.Store.
func (db *DB) ListCustomers(ctx context.Context, wsID string, f enroll.CustomerFilter) (*enroll.Page[*enroll.Customer], error) {
	fh := enroll.HashFilter([]string{f.Email, f.ReferenceID})
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	w := customerWhere(wsID, f)
	var out *enroll.Page[*enroll.Customer]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.Customer](ctx, q, "customers", w, f.ListParams, c, fh, func() (int, error) {
			if f.Email != "" || f.ReferenceID != "" {
				return countRows(ctx, q, "customers", w)
			}
			return countCustomers(ctx, q, wsID)
		})
		return err
	})
	return out, err
}

// countCustomers returns the number of customers of workspace wsID, from
// the counters the customers' triggers keep (migration 17).
func countCustomers(ctx context.Context, q querier, wsID string) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0)::bigint FROM customer_counts WHERE workspace_id = $1`, wsID).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count customers: %w", err)
	}
	return n, nil
}

// customerWhere returns the conditions of f's customers in workspace wsID.
func customerWhere(wsID string, f enroll.CustomerFilter) where {
	var w where
	w.add("workspace_id = ?", wsID)
	if f.Email != "" {
		w.add("email_norm = ?", enroll.NormalizeEmail(f.Email))
	}
	if f.ReferenceID != "" {
		w.add("reference_id = ?", f.ReferenceID)
	}
	return w
}

// UpdateCustomer implements enroll.Store.
func (db *DB) UpdateCustomer(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Customer) error) (*enroll.Customer, error) {
	var out *enroll.Customer
	err := db.write(ctx, func(tx *tx) error {
		old, err := findCustomer(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(old.UpdatedAt)
		c := enroll.Clone(old)
		if err := fn(c); err != nil {
			return err
		}
		c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = old.ID, old.WorkspaceID, old.CreatedAt, old.UpdatedAt
		if err := c.ValidateChange(old); err != nil {
			return err
		}
		out = c
		if len(enroll.Diff(old, c)) == 0 {
			return nil
		}
		c.UpdatedAt = tx.now
		return tx.updateCustomer(old, c)
	})
	return out, err
}

// DeleteCustomer implements enroll.Store. Enrollments and leads that refer
// to the customer make the delete fail its foreign key check.
func (db *DB) DeleteCustomer(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Customer) error) error {
	return db.write(ctx, func(tx *tx) error {
		c, err := findCustomer(ctx, tx, a.WorkspaceID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		tx.lockedAt(c.UpdatedAt)
		if err := enroll.RunCheck(check, c); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM customers WHERE workspace_id = $1 AND id = $2`, c.WorkspaceID, c.ID)
		if foreignKey(err) != "" {
			return enroll.Errorf(enroll.ECONFLICT, "Customer %s has enrollments or leads referring to it (GET /v1/enrollments?customerId= and /v1/leads?customerId= list them).", c.ID)
		}
		return err
	})
}
