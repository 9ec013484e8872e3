package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/enrollhq/enroll"
)

func (tx *Tx) writeCustomer(c *enroll.Customer, insert bool) error {
	doc, err := encode(c)
	if err != nil {
		return err
	}
	if insert {
		return tx.insertCustomerDoc(c, doc)
	}
	_, err = tx.exec(`UPDATE customers SET email_norm = ?, reference_id = ?, doc = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		enroll.NormalizeEmail(c.Email), c.ReferenceID, doc, micros(c.UpdatedAt), c.WorkspaceID, c.ID)
	return tx.customerConflict(c, err)
}

// insertCustomerDoc inserts c, whose JSON form is doc.
func (tx *Tx) insertCustomerDoc(c *enroll.Customer, doc string) error {
	_, err := tx.exec(`INSERT INTO customers (id, workspace_id, email_norm, reference_id, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.WorkspaceID, enroll.NormalizeEmail(c.Email), c.ReferenceID, doc, micros(c.CreatedAt), micros(c.UpdatedAt))
	return tx.customerConflict(c, err)
}

// customerConflict turns err, from writing c, into the ECONFLICT of the
// customer holding c's email when a constraint refused it.
func (tx *Tx) customerConflict(c *enroll.Customer, err error) error {
	if constraint(err) != "" {
		e := enroll.Errorf(enroll.ECONFLICT, "A customer with email %s exists.", c.Email)
		if other, ferr := findCustomerByEmail(tx.ctx, tx, c.WorkspaceID, c.Email); ferr == nil {
			e.Extra = map[string]any{"existingId": other.ID}
		}
		return e
	}
	return err
}

// CreateCustomer implements enroll.Store.
func (db *DB) CreateCustomer(ctx context.Context, a enroll.Actor, c *enroll.Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = enroll.NewID(), a.WorkspaceID, tx.now, tx.now
		return tx.writeCustomer(c, true)
	})
}

func scanCustomer(row interface{ Scan(...any) error }, wsID, id string) (*enroll.Customer, error) {
	var doc string
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

func findCustomer(ctx context.Context, q querier, wsID, id string) (*enroll.Customer, error) {
	return scanCustomer(q.QueryRowContext(ctx, `SELECT doc FROM customers WHERE workspace_id = ? AND id = ?`, wsID, id), wsID, id)
}

// customerByEmail reads the document of a workspace's customer by
// normalized email.
const customerByEmail = `SELECT doc FROM customers WHERE workspace_id = ? AND email_norm = ?`

func findCustomerByEmail(ctx context.Context, q querier, wsID, email string) (*enroll.Customer, error) {
	return scanCustomer(q.QueryRowContext(ctx, customerByEmail, wsID, enroll.NormalizeEmail(email)), wsID, email)
}

// customerDocByEmail returns the document of the workspace's customer with
// email, or "" when there is none.
func customerDocByEmail(ctx context.Context, q querier, wsID, email string) (string, error) {
	var doc string
	err := q.QueryRowContext(ctx, customerByEmail, wsID, enroll.NormalizeEmail(email)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("sqlite: read customer: %w", err)
	}
	return doc, nil
}

// FindCustomer implements enroll.Store.
func (db *DB) FindCustomer(ctx context.Context, wsID, id string) (*enroll.Customer, error) {
	return findCustomer(ctx, db.r, wsID, id)
}

// ListCustomers implements enroll.Store.
func (db *DB) ListCustomers(ctx context.Context, wsID string, f enroll.CustomerFilter) (*enroll.Page[*enroll.Customer], error) {
	fh := enroll.HashFilter([]string{f.Email, f.ReferenceID})
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, fh)
	if err != nil {
		return nil, err
	}
	w := customerWhere(wsID, f)
	return page[enroll.Customer](ctx, db.r, "customers", w, f.ListParams, c, fh, func() (int, error) {
		return countRows(ctx, db.r, "customers", w)
	})
}

// customerWhere returns the conditions of a customer list. An email or
// reference id matches few customers: they are read by its index and
// sorted (where.few), not by walking the workspace's.
func customerWhere(wsID string, f enroll.CustomerFilter) where {
	w := where{few: f.Email != "" || f.ReferenceID != ""}
	w.add("workspace_id = ?", wsID)
	if f.Email != "" {
		w.add("email_norm = ?", enroll.NormalizeEmail(f.Email))
	}
	if f.ReferenceID != "" {
		// customers_reference is partial: the condition says so, or it is not used.
		w.add("reference_id = ? AND reference_id <> ''", f.ReferenceID)
	}
	return w
}

// UpdateCustomer implements enroll.Store.
func (db *DB) UpdateCustomer(ctx context.Context, a enroll.Actor, id string, fn func(*enroll.Customer) error) (*enroll.Customer, error) {
	var out *enroll.Customer
	err := db.write(ctx, func(tx *Tx) error {
		old, err := findCustomer(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
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
		return tx.writeCustomer(c, false)
	})
	return out, err
}

// DeleteCustomer implements enroll.Store.
func (db *DB) DeleteCustomer(ctx context.Context, a enroll.Actor, id string, check func(*enroll.Customer) error) error {
	return db.write(ctx, func(tx *Tx) error {
		c, err := findCustomer(ctx, tx, a.WorkspaceID, id)
		if err != nil {
			return err
		}
		if err := enroll.RunCheck(check, c); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM customers WHERE workspace_id = ? AND id = ?`, c.WorkspaceID, c.ID)
		if isForeignKey(err) {
			return enroll.Errorf(enroll.ECONFLICT, "Customer %s has enrollments or leads referring to it (GET /v1/enrollments?customerId= and /v1/leads?customerId= list them).", c.ID)
		}
		return err
	})
}
