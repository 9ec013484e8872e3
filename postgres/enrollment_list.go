package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
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
	var out *enroll.Page[*enroll.Enrollment]
	err = db.read(ctx, func(q pgx.Tx) error {
		// A status filter's total comes from the counters, cheaply, and
		// tells whether its rows are few enough to read and sort (fenced).
		total, counted := 0, false
		if len(f.Statuses) > 0 && !f.NoTotal && onlyCounters(f) {
			var err error
			if total, err = countEnrollments(ctx, q, wsID, f, where{}); err != nil {
				return err
			}
			counted = true
		}
		w := enrollmentWhere(wsID, f, counted && total <= fenceRows)
		var err error
		out, err = page[enroll.Enrollment](ctx, q, "enrollments", w, f.ListParams, c, fh, func() (int, error) {
			if f.NoTotal || counted {
				return total, nil
			}
			return countEnrollments(ctx, q, wsID, f, w)
		})
		return err
	})
	return out, err
}

// fenceRows is the most rows of a status filter that a list reads whole
// and sorts, when no index gives them in the list's order. Reading 1,000
// approved enrollments through the status index and sorting them took
// 3 ms, 2,475 of five statuses 6.5 ms (cached), 15,651 160 ms; walking a
// sort index of 350,000 for the 1,000, filtering on status, up to 1 s.
// Above it the statuses are common enough for the walk to meet them soon.
const fenceRows = 10000

// ordered reports whether an index gives f's enrollments in f's sort with
// its statuses as an equality: one status, sorted by creation, in one
// instance (enrollments_instance_status_created) or the workspace
// (enrollments_status_created).
func ordered(f enroll.EnrollmentFilter) bool {
	return len(f.Statuses) == 1 && (f.ProgramInstanceID != "" || len(f.ProgramInstanceIDs) <= 1) &&
		(f.Sort == enroll.SortCreatedDesc || f.Sort == enroll.SortCreatedAsc || f.Sort == "")
}

// enrollmentWhere returns the conditions of f's enrollments in workspace
// wsID. few says f's statuses hold few enough rows (fenceRows) to be read
// whole and sorted when no index gives them in f's order (ordered).
func enrollmentWhere(wsID string, f enroll.EnrollmentFilter, few bool) where {
	var w where
	w.add("workspace_id = ?", wsID)
	// The instance as a range (scopeTo) keeps it in the ORDER BY, which
	// only indexes leading with it match, and one status's order is
	// still that of the status index (instance, status, created_at). But
	// the rows of a few statuses in another order are found, from the
	// status index, only with the instance as an equality: 3 ms for 1,000
	// approved of 350,000, against 0.6-1.0 s walking the sort index.
	scope := w.scopeTo
	if few && !ordered(f) {
		w.fence = true
		scope = func(col string, v any) { w.add(col+" = ?", v) }
	}
	switch {
	case f.ProgramInstanceID != "":
		scope("instance_id", f.ProgramInstanceID)
		if len(f.ProgramInstanceIDs) > 0 && !slices.Contains(f.ProgramInstanceIDs, f.ProgramInstanceID) {
			w.add("FALSE")
		}
	case len(f.ProgramInstanceIDs) == 1:
		scope("instance_id", f.ProgramInstanceIDs[0])
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
	// Each word of q matches as one q did, and q whole (QueryPhrase) too,
	// a name of several words (enroll.QueryWords).
	if words := enroll.QueryWords(f.Q); len(words) == 1 {
		c, a := searchCond(words[0])
		w.add(c, a...)
		w.replan = true
	} else if len(words) > 1 {
		var conds []string
		var args []any
		for _, q := range words {
			c, a := searchCond(q)
			conds = append(conds, c)
			args = append(args, a...)
		}
		c, a := searchCond(enroll.QueryPhrase(f.Q))
		w.add("(("+strings.Join(conds, " AND ")+") OR "+c+")", append(args, a...)...)
		w.replan = true
	}
	return w
}

// searchCond returns the condition of one prefix q (a word of a list's q,
// or q whole). Prefix search, case-insensitive: the names' keys
// (namekey.Of) begin with the folded name, matched by q folded (without
// case or accents); emails are stored lower-cased and matched by q
// lower-cased. LIKE's wildcards in q are escaped. Under "C", lower() folds
// ASCII only, as SQLite's LIKE does for the reference id, whatever the
// database's locale.
func searchCond(q string) (string, []any) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	// A q that folds to nothing (combining marks alone) matches no name:
	// "%" would match them all.
	l := esc.Replace(strings.ToLower(q)) + "%"
	p := namekey.Prefix(q)
	if p == "" {
		return `(email_norm LIKE ? OR lower(reference_id COLLATE "C") LIKE ?)`, []any{l, l}
	}
	n := esc.Replace(p) + "%"
	return `(first_name LIKE ? OR last_name LIKE ? OR email_norm LIKE ? OR lower(reference_id COLLATE "C") LIKE ?)`, []any{n, n, l, l}
}
