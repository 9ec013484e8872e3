package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/enrollhq/enroll"
)

// ListEnrollments implements enroll.Store.
func (db *DB) ListEnrollments(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[*enroll.Enrollment], error) {
	q, err := db.enrollmentQuery(ctx, wsID, &f)
	if err != nil {
		return nil, err
	}
	return page[enroll.Enrollment](ctx, q.r, "enrollments", q.w, f.ListParams, q.c, q.fh, q.count)
}

// ListEnrollmentDocs implements enroll.EnrollmentDocReader: the documents
// are written by encode (json.Marshal) and answered as they are stored.
func (db *DB) ListEnrollmentDocs(ctx context.Context, wsID string, f enroll.EnrollmentFilter) (*enroll.Page[json.RawMessage], error) {
	q, err := db.enrollmentQuery(ctx, wsID, &f)
	if err != nil {
		return nil, err
	}
	return pageRows(ctx, q.r, "enrollments", false, q.w, f.ListParams, q.c, q.fh, q.count, func(doc string, _ int) (json.RawMessage, error) {
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
	cw    where   // the count's, when not from the counters
	r     querier // the pool the list reads from: db.r, or db.scan (scan.go)
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
	r := querier(db.r)
	if tx := snapshotOf(ctx); tx != nil {
		r = tx
	} else if scans(f) {
		r = db.scan
	}
	spec := sortSpecs[f.Sort]
	few, err := db.fewMatches(ctx, r, wsID, f, spec.col)
	if err != nil {
		return nil, err
	}
	// q reads its indexes unless an identity's or a status's index, read
	// when few match, is read instead; its page reads them only when few
	// match q too, and otherwise walks the sort's index (searchFew).
	sq := searchOf(f.Q)
	searched, searchPage := len(sq.read) > 0 && !few, false
	if searched {
		if searchPage, err = db.searchFew(ctx, r, wsID, f, sq); err != nil {
			return nil, err
		}
	}
	// No index orders the workspace's enrollments by last name, but
	// enrollments_instance_last_name orders each instance's (where.arms).
	sortIDs := spec.col == "last_name" && f.ProgramInstanceID == ""
	var arms *nameArms
	if sortIDs && !few && !searchPage && !searched {
		if arms, err = lastNameArms(ctx, r, wsID, f); err != nil {
			return nil, err
		}
	}
	wf := f
	if arms != nil && len(f.Statuses) > 0 {
		// Each instance's read tests the statuses (armsQuery).
		g := *f
		g.Statuses, wf = nil, &g
	}
	w := enrollmentWhere(wsID, wf, spec.col, few, searchPage)
	w.few = few || searchPage
	w.sortIDs, w.arms = sortIDs, arms
	cw := enrollmentWhere(wsID, f, "", few, searched)
	filter := *f
	return &listQuery{w: w, cw: cw, r: r, c: c, fh: fh, count: func() (int, error) {
		if filter.NoTotal {
			return 0, nil
		}
		return countEnrollments(ctx, r, wsID, filter, cw)
	}}, nil
}

// maxArms is the most instances a list across instances by last name
// reads apart and merges (where.arms); with more it sorts its matches.
// Each costs the page a seek and the rows it gives the merge, at most
// the page's offset and length; SQLite merges at most 500 (the members of
// a compound SELECT).
const maxArms = 100

// nameArms are the instances a list across instances by last name
// reads apart and merges (where.arms), and what the counters say of them.
type nameArms struct {
	wsID string
	ids  []string
	// statuses are the list's, which each instance's read tests.
	statuses []enroll.Status
	// matches is how many of the instances' enrollments hold statuses (all
	// of them when none), of rows.
	matches, rows int
}

// lastNameArms returns the instances f's enrollments in workspace wsID
// may be in (those the counters hold enrollments of f's statuses in,
// among a key's instances if f names them), or nil when there are none
// or more than maxArms. Read before the page, outside a snapshot they may
// miss an instance whose first enrollment the page would have seen, as a
// page read a moment earlier.
func lastNameArms(ctx context.Context, q querier, wsID string, f *enroll.EnrollmentFilter) (*nameArms, error) {
	var w where
	w.add("workspace_id = ?", wsID)
	in(&w, "instance_id", f.ProgramInstanceIDs)
	match, margs := "n", []any(nil)
	if len(f.Statuses) > 0 {
		var sw where
		in(&sw, "status", f.Statuses)
		match, margs = "CASE WHEN "+sw.sql()+" THEN n ELSE 0 END", sw.args
	}
	rows, err := q.QueryContext(ctx, "SELECT instance_id, SUM("+match+"), SUM(n) FROM enrollment_counts WHERE "+w.sql()+
		" GROUP BY instance_id ORDER BY instance_id", append(margs, w.args...)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list enrollments: %w", err)
	}
	defer rows.Close()
	a := &nameArms{wsID: wsID, statuses: f.Statuses}
	for rows.Next() {
		var (
			id      string
			matches int
			n       int
		)
		if err := rows.Scan(&id, &matches, &n); err != nil {
			return nil, fmt.Errorf("sqlite: list enrollments: %w", err)
		}
		a.rows += n
		if matches > 0 {
			a.ids, a.matches = append(a.ids, id), a.matches+matches
		}
	}
	if err := rows.Err(); err != nil || len(a.ids) == 0 || len(a.ids) > maxArms {
		return nil, err
	}
	return a, nil
}

// enrollmentWhere returns f's conditions. Some are written to steer
// SQLite's planner, which has no statistics (no ANALYZE) and otherwise
// prefers the index that gives the sort order, walking up to the whole
// instance for a handful of matches:
//   - a range on created_at or updated_at is unindexable ("+col") unless
//     sortCol is that column: the list reads in its sort's order and
//     filters, instead of sorting every row in the range (sortCol is ""
//     for the count, which reads the range's index);
//   - when few match (fewMatches), the instance is unindexable for an
//     identity filter (customer, lead, reference, email), so that its own
//     index is read, and a workspace-wide status filter names the
//     instances holding those statuses (from the counters, in the same
//     statement), so that the status index can be read.
//
// search says that q reads its indexes (addSearch).
//
// A tag, manufacturerSlug or groupId filter tests its token in the
// labels column, which the list and status indexes hold, before its
// exact test on the document (labelFilter), so that only the rows that
// hold the token are read.
//
// The email and reference indexes are partial (non-empty values only):
// their conditions say so, or SQLite cannot use them.
func enrollmentWhere(wsID string, f *enroll.EnrollmentFilter, sortCol string, few, search bool) where {
	var w where
	w.few = few
	ws, inst := "workspace_id", "instance_id"
	if search {
		ws, inst = "+workspace_id", "+instance_id"
	}
	w.add(ws+" = ?", wsID)
	identity := f.CustomerID != "" || f.LeadID != "" || f.ReferenceID != "" || f.Email != ""
	if few && identity {
		inst = "+instance_id"
	}
	if f.ProgramInstanceID != "" {
		w.add(inst+" = ?", f.ProgramInstanceID)
	}
	in(&w, inst, f.ProgramInstanceIDs)
	in(&w, "status", f.Statuses)
	if few && !identity && len(f.Statuses) > 0 && f.ProgramInstanceID == "" && len(f.ProgramInstanceIDs) == 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")
		args := []any{wsID}
		for _, s := range f.Statuses {
			args = append(args, s)
		}
		w.add("instance_id IN (SELECT instance_id FROM enrollment_counts WHERE workspace_id = ? AND status IN ("+ph+") AND n > 0)", args...)
	}
	if f.CustomerID != "" {
		w.add("customer_id = ?", f.CustomerID)
	}
	if f.LeadID != "" {
		w.add("lead_id = ?", f.LeadID)
	}
	if f.ReferenceID != "" {
		w.add("reference_id = ? AND reference_id <> ''", f.ReferenceID)
	}
	if f.Email != "" {
		w.add("email_norm = ? AND email_norm <> ''", enroll.NormalizeEmail(f.Email))
	}
	for _, l := range [...]struct {
		kind        byte
		path, value string
	}{{labelTag, "$.tags", f.Tag}, {labelManufacturer, "$.manufacturerSlugs", f.ManufacturerSlug}, {labelGroup, "$.groupIds", f.GroupID}} {
		if l.value != "" {
			labelFilter(&w, l.kind, l.path, l.value)
		}
	}
	ranged := func(col string) string {
		if sortCol != "" && sortCol != col {
			return "+" + col
		}
		return col
	}
	if f.CreatedAfter != nil {
		w.add(ranged("created_at")+" > ?", micros(*f.CreatedAfter))
	}
	if f.CreatedBefore != nil {
		w.add(ranged("created_at")+" < ?", micros(*f.CreatedBefore))
	}
	if f.UpdatedAfter != nil {
		w.add(ranged("updated_at")+" > ?", micros(*f.UpdatedAfter))
	}
	if s := searchOf(f.Q); len(s.read) > 0 {
		addSearch(&w, wsID, f, s, search)
	}
	return w
}
