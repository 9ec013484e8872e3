package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/enrollhq/enroll"
)

// ListEnrollments implements enroll.Store.
func (db *DB) ListEnrollments(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[*enroll.Enrollment], error) {
	q, err := db.enrollmentQuery(ctx, wsID, &f)
	if err != nil {
		return nil, err
	}
	return page[enroll.Enrollment](ctx, db.r, "enrollments", q.w, f.ListParams, q.c, q.fh, q.count)
}

// ListEnrollmentDocs implements enroll.EnrollmentDocReader: the documents
// are written by encode (json.Marshal) and answered as they are stored.
func (db *DB) ListEnrollmentDocs(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[json.RawMessage], error) {
	q, err := db.enrollmentQuery(ctx, wsID, &f)
	if err != nil {
		return nil, err
	}
	return pageRows(ctx, db.r, "enrollments", false, q.w, f.ListParams, q.c, q.fh, q.count, func(doc string, _ int) (json.RawMessage, error) {
		return json.RawMessage(doc), nil
	})
}

// FindEnrollmentDoc implements enroll.EnrollmentDocReader.
func (db *DB) FindEnrollmentDoc(ctx context.Context, wsID, id string) (*enroll.EnrollmentDoc, error) {
	d := &enroll.EnrollmentDoc{ID: id}
	var doc string
	err := db.r.QueryRowContext(ctx, `SELECT instance_id, version, doc FROM enrollments WHERE workspace_id = ? AND id = ?`, wsID, id).
		Scan(&d.ProgramInstanceID, &d.Version, &doc)
	if err != nil {
		return nil, notFound(err, "Enrollment", id)
	}
	d.JSON = json.RawMessage(doc)
	return d, nil
}

// listQuery is a list's conditions, its cursor (nil for offset paging),
// the hash of its filter for page tokens, and its total's count.
type listQuery struct {
	w     where
	c     *enroll.Cursor
	fh    uint64
	count func() (int, error)
}

// enrollmentQuery validates and normalizes f (its ListParams get their
// defaults) and builds its query.
func (db *DB) enrollmentQuery(ctx context.Context, wsID string, f *enroll.EnrollmentFilter) (*listQuery, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	fh := enroll.HashFilter(*f)
	c, err := f.Normalize(enroll.EnrollmentSorts, fh)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("workspace_id = ?", wsID)
	if f.ProgramInstanceID != "" {
		w.add("instance_id = ?", f.ProgramInstanceID)
	}
	in(&w, "instance_id", f.ProgramInstanceIDs)
	in(&w, "status", f.Statuses)
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if f.LeadID != "" {
		w.add("lead_id = ?", f.LeadID)
	}
	if f.ReferenceID != "" {
		w.add("reference_id = ?", f.ReferenceID)
	}
	if f.Email != "" {
		w.add("email_norm = ?", enroll.NormalizeEmail(f.Email))
	}
	for col, v := range map[string]string{"$.tags": f.Tag, "$.manufacturerSlugs": f.ManufacturerSlug, "$.groupIds": f.GroupID} {
		if v != "" {
			w.add("EXISTS (SELECT 1 FROM json_each(enrollments.doc, '"+col+"') WHERE value = ?)", v)
		}
	}
	if f.CreatedAfter != nil {
		w.add("created_at > ?", micros(*f.CreatedAfter))
	}
	if f.CreatedBefore != nil {
		w.add("created_at < ?", micros(*f.CreatedBefore))
	}
	if f.UpdatedAfter != nil {
		w.add("updated_at > ?", micros(*f.UpdatedAfter))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		// Prefix search on the lower-cased columns; LIKE's wildcards in q are escaped.
		p := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
		w.add(`(first_name LIKE ? ESCAPE '\' OR last_name LIKE ? ESCAPE '\' OR email_norm LIKE ? ESCAPE '\' OR reference_id LIKE ? ESCAPE '\')`, p, p, p, p)
	}
	filter := *f
	return &listQuery{w: w, c: c, fh: fh, count: func() (int, error) {
		if filter.NoTotal {
			return 0, nil
		}
		return countEnrollments(ctx, db.r, wsID, filter, w)
	}}, nil
}
