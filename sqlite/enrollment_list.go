package sqlite

import (
	"context"
	"strings"

	"github.com/enrollhq/enroll"
)

// ListEnrollments implements enroll.Store.
func (db *DB) ListEnrollments(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[*enroll.Enrollment], error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	fh := enroll.HashFilter(f)
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
	pg, err := page[enroll.Enrollment](ctx, db.r, "enrollments", w, f.ListParams, c, fh, func() (int, error) {
		if f.NoTotal {
			return 0, nil
		}
		return countEnrollments(ctx, db.r, wsID, f, w)
	})
	if err != nil {
		return nil, err
	}
	return pg, nil
}
