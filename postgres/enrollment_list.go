package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
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
	w := enrollmentWhere(wsID, f)
	var out *enroll.Page[*enroll.Enrollment]
	err = db.read(ctx, func(q pgx.Tx) error {
		var err error
		out, err = page[enroll.Enrollment](ctx, q, "enrollments", w, f.ListParams, c, fh, func() (int, error) {
			if f.NoTotal {
				return 0, nil
			}
			return countEnrollments(ctx, q, wsID, f, w)
		})
		return err
	})
	return out, err
}

// enrollmentWhere returns the conditions of f's enrollments in workspace
// wsID.
func enrollmentWhere(wsID string, f enroll.EnrollmentFilter) where {
	var w where
	w.add("workspace_id = ?", wsID)
	switch {
	case f.ProgramInstanceID != "":
		w.scopeTo("instance_id", f.ProgramInstanceID)
		if len(f.ProgramInstanceIDs) > 0 && !slices.Contains(f.ProgramInstanceIDs, f.ProgramInstanceID) {
			w.add("FALSE")
		}
	case len(f.ProgramInstanceIDs) == 1:
		w.scopeTo("instance_id", f.ProgramInstanceIDs[0])
	default:
		in(&w, "instance_id", f.ProgramInstanceIDs)
	}
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
	// jsonb containment: the array holds the value as one of its strings,
	// as SQLite's json_each match does.
	for _, m := range []struct{ key, v string }{{"tags", f.Tag}, {"manufacturerSlugs", f.ManufacturerSlug}, {"groupIds", f.GroupID}} {
		if m.v != "" {
			b, _ := json.Marshal([]string{m.v})
			w.add("doc->'"+m.key+"' @> ?::jsonb", string(b))
		}
	}
	if f.CreatedAfter != nil {
		w.add("created_at > ?", *f.CreatedAfter)
	}
	if f.CreatedBefore != nil {
		w.add("created_at < ?", *f.CreatedBefore)
	}
	if f.UpdatedAfter != nil {
		w.add("updated_at > ?", *f.UpdatedAfter)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		// Prefix search, case-insensitive: names and emails are stored
		// lower-cased and the pattern is lower-cased; LIKE's wildcards in q
		// are escaped. Under "C", lower() folds ASCII only, as SQLite's LIKE
		// does for the reference id, whatever the database's locale.
		p := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
		w.add(`(first_name LIKE ? OR last_name LIKE ? OR email_norm LIKE ? OR lower(reference_id COLLATE "C") LIKE ?)`, p, p, p, p)
	}
	return w
}
