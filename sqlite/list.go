package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// sortSpec says how a sort key maps to a column.
type sortSpec struct {
	col  string
	desc bool
	kind byte // 't' time (µs), 's' text, 'i' integer
}

var sortSpecs = map[string]sortSpec{
	enroll.SortCreatedAsc:  {"created_at", false, 't'},
	enroll.SortCreatedDesc: {"created_at", true, 't'},
	enroll.SortUpdatedAsc:  {"updated_at", false, 't'},
	enroll.SortUpdatedDesc: {"updated_at", true, 't'},
	enroll.SortLastName:    {"last_name", false, 's'},
	sortSeqDesc:            {"seq", true, 'i'},
}

// sortSeqDesc orders events newest first by their insertion sequence.
const sortSeqDesc = "-seq"

// where accumulates the conditions and arguments of a query.
type where struct {
	conds []string
	args  []any
	// few says that few rows match, found by another index than the
	// sort's: the page's ORDER BY is written "+col" so that SQLite reads
	// them there and sorts them rather than walking the sort's index.
	few bool
	// sortIDs says that no index gives the page's order and many rows may
	// match: the page sorts their ids and sort keys, read from an index,
	// and reads the documents of its own rows alone, rather than sorting
	// every matching row with its document (in memory, temp_store).
	sortIDs bool
	// arms, with sortIDs, are the instances whose rows may match, whose
	// index gives each one's rows in the page's order: the page reads
	// each from the cursor on and merges them (armsQuery), as far as its
	// end, rather than sorting every match after the cursor, which made
	// each keyset page of an export cost as much as the rows after it.
	arms *nameArms
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ...)" for a non-empty list.
func in[T any](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	w.add(col+" IN ("+ph+")", args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "1=1"
	}
	return strings.Join(w.conds, " AND ")
}

// page runs a keyset (or, without a cursor, offset) query over table and
// decodes the doc column of each row. count returns the total for the filter.
// filter is the hash of the filter, bound into the page token.
func page[T any](ctx context.Context, q querier, table string, w where, p enroll.ListParams, c *enroll.Cursor, filter uint64, count func() (int, error)) (*enroll.Page[*T], error) {
	// Enrollments keep their version (the ETag) in a column, not in doc.
	_, versioned := any(new(T)).(*enroll.Enrollment)
	return pageRows(ctx, q, table, versioned, w, p, c, filter, count, func(doc string, version int) (*T, error) {
		v, err := decode[T](doc)
		if err != nil {
			return nil, err
		}
		if e, ok := any(v).(*enroll.Enrollment); ok {
			e.Version = version
		}
		return v, nil
	})
}

// pageRows is page with each row's doc column (and version column, when
// versioned) turned into an item by item.
func pageRows[T any](ctx context.Context, q querier, table string, versioned bool, w where, p enroll.ListParams, c *enroll.Cursor, filter uint64, count func() (int, error), item func(doc string, version int) (T, error)) (*enroll.Page[T], error) {
	query, args, err := pageQuery(table, w, p, c, versioned)
	if err != nil {
		return nil, err
	}
	spec := sortSpecs[p.Sort]
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", table, err)
	}
	defer rows.Close()
	var (
		out  []T
		keys []enroll.Cursor
	)
	for rows.Next() {
		var (
			id, doc string
			key     any
		)
		var version int
		dest := []any{&id, &key, &doc}
		if versioned {
			dest = append(dest, &version)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlite: list %s: %w", table, err)
		}
		v, err := item(doc, version)
		if err != nil {
			return nil, err
		}
		k := enroll.Cursor{Sort: p.Sort, ID: id, Filter: filter}
		switch x := key.(type) {
		case int64:
			if spec.kind == 't' {
				k.Time = time.UnixMicro(x).UTC()
			} else {
				k.Text = fmt.Sprint(x)
			}
		case string:
			k.Text = x
		}
		out = append(out, v)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %s: %w", table, err)
	}
	total, err := count()
	if err != nil {
		return nil, err
	}
	// NewPage asks only for the cursor of the page's last row.
	last := min(p.PerPage, len(keys)) - 1
	return enroll.NewPage(out, p, total, func(T) enroll.Cursor { return keys[last] }), nil
}

// pageQuery returns the query of page p of table's rows matching w, after
// cursor c (or nil), and its arguments: each row's id, sort key and doc
// (and version, when versioned).
func pageQuery(table string, w where, p enroll.ListParams, c *enroll.Cursor, versioned bool) (string, []any, error) {
	spec, ok := sortSpecs[p.Sort]
	if !ok {
		return "", nil, fmt.Errorf("sqlite: no sort %q", p.Sort)
	}
	// The sort column is unindexable in the ORDER BY and the cursor's
	// range when few rows match (where.few).
	order := spec.col
	if w.few {
		order = "+" + spec.col
	}
	dir, cmp := "ASC", ">"
	if spec.desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		var v any
		switch spec.kind {
		case 't':
			v = micros(c.Time)
		case 'i':
			var n int64
			fmt.Sscan(c.Text, &n)
			v = n
		default:
			v = c.Text
		}
		w.add("("+order+", id) "+cmp+" (?, ?)", v, c.ID)
	}
	docCols := "doc"
	if versioned {
		docCols = "doc, version"
	}
	limit := " LIMIT ?"
	args := append(w.args, p.PerPage+1)
	if c == nil && p.Offset() > 0 {
		limit += " OFFSET ?"
		args = append(args, p.Offset())
	}
	if w.sortIDs && !w.few && w.arms != nil {
		offset := 0
		if c == nil {
			offset = p.Offset()
		}
		return armsQuery(table, w, p.PerPage, offset, spec.col, dir, docCols)
	}
	if w.sortIDs && !w.few {
		// The subquery sorts ids and keys; the page's documents are then
		// read by id.
		query := fmt.Sprintf("SELECT t.id, t.%[1]s, t.%[2]s FROM (SELECT id FROM %[3]s WHERE %[4]s ORDER BY %[1]s %[5]s, id %[5]s%[6]s) p "+
			"JOIN %[3]s t ON t.id = p.id ORDER BY t.%[1]s %[5]s, t.id %[5]s",
			spec.col, strings.ReplaceAll(docCols, ", ", ", t."), table, w.sql(), dir, limit)
		return query, args, nil
	}
	query := fmt.Sprintf("SELECT id, %s, %s FROM %s WHERE %s ORDER BY %s %s, id %s",
		spec.col, docCols, table, w.sql(), order, dir, dir) + limit
	return query, args, nil
}

// armsQuery is pageQuery's query of the perPage rows at offset of w's
// rows in w.arms' instances and statuses, sorted by col in direction dir
// (then id), after the cursor pageQuery added to w, if any: each
// instance's ids and keys, read in order from its index (from the cursor
// on), merged as they come up to the page's end (SQLite merges a compound
// SELECT's ORDER BY from its members' own orders, reading each only as
// far as the merge needs, in constant memory); then the documents
// (docCols) of the page's rows alone, by id.
//
// No index holds the name and the status: each instance's read tests
// the statuses on its rows as it walks the names, about
// (offset+perPage)·rows/matches rows for a page, which a keyset page (an
// export's) keeps to about a page. Deep in an offset, where that is more
// than the statuses' own entries, it takes their ids from the status
// index first, and tests them on the names' entries without reading a
// row: at page 500 of 31,200 ineligible of 156,000, 95-108 ms walking,
// 45 ms by the ids; at page 800 of 124,800 eligible walking stays the
// cheaper, 41 ms (docs/benchmarks.md).
func armsQuery(table string, w where, perPage, offset int, col, dir, docCols string) (string, []any, error) {
	a := w.arms
	var sw where
	in(&sw, "status", a.statuses)
	reach := offset + perPage + 1
	// The walk reads about reach·rows/matches rows, the ids matches
	// entries besides (cheaper each) and then reach·rows/matches entries.
	ids := len(a.statuses) > 0 && offset > 0 && a.matches*a.matches <= reach*a.rows
	arm := fmt.Sprintf("SELECT id, %s FROM %s WHERE %s AND instance_id = ?", col, table, w.sql())
	switch {
	case ids:
		arm += " AND +id IN (SELECT id FROM " + table + " WHERE workspace_id = ? AND instance_id = ? AND " + sw.sql() + ")"
	case len(a.statuses) > 0:
		arm += " AND " + sw.sql()
	}
	arms := make([]string, len(a.ids))
	var args []any
	for i, inst := range a.ids {
		arms[i] = arm
		args = append(append(args, w.args...), inst)
		switch {
		case ids:
			args = append(append(args, a.wsID, inst), sw.args...)
		case len(a.statuses) > 0:
			args = append(args, sw.args...)
		}
	}
	limit := " LIMIT ?"
	args = append(args, perPage+1)
	if offset > 0 {
		limit += " OFFSET ?"
		args = append(args, offset)
	}
	query := fmt.Sprintf("SELECT t.id, t.%[1]s, t.%[2]s FROM (%[3]s ORDER BY %[1]s %[4]s, id %[4]s%[5]s) p "+
		"JOIN %[6]s t ON t.id = p.id ORDER BY t.%[1]s %[4]s, t.id %[4]s",
		col, strings.ReplaceAll(docCols, ", ", ", t."), strings.Join(arms, " UNION ALL "), dir, limit, table)
	return query, args, nil
}

// countRows counts the rows of table matching w.
func countRows(ctx context.Context, q querier, table string, w where) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", table, err)
	}
	return n, nil
}
