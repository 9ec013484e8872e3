package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
)

// sortSpec says how a sort key maps to a column.
type sortSpec struct {
	col  string
	desc bool
	kind byte // 't' time, 's' text, 'i' integer
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

// where accumulates the conditions and arguments of a query. Conditions are
// written with ? for each argument and numbered ($1, $2, ...) as they are
// added, so callers need not count.
type where struct {
	conds []string
	args  []any
	// lead is a column the conditions hold to one value, which page puts
	// first in the ORDER BY (see scopeTo).
	lead string
	// replan has PostgreSQL plan the query for its arguments at every
	// run (see queryArgs).
	replan bool
	// fence makes page find the rows from the indexes of the conditions
	// alone, then sort them: for a filter known to keep few rows, which no
	// index gives in the page's order (see enrollmentWhere).
	fence bool
}

// scopeTo keeps the rows whose col is v, such that only an index that
// leads with col (after the workspace) can give page its order. As
// "col = v", PostgreSQL would drop col from the ORDER BY as constant, and
// could then read a workspace-wide index on the sort column instead,
// filtering out the other values of col: its estimate assumes v's rows
// are spread evenly, but when the newest rows all belong to other values
// (a list of last season's instance while this season's one enrolls) it read
// every one of them before the first match. The range is the same rows;
// it keeps col in the ORDER BY, which only col's own indexes give.
func (w *where) scopeTo(col string, v any) {
	w.add(col+" >= ? AND "+col+" <= ?", v, v)
	w.lead = col
}

func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		w.args = append(w.args, args[i])
		i++
		b.WriteString("$" + strconv.Itoa(len(w.args)))
	}
	if i != len(args) {
		panic(fmt.Sprintf("postgres: %q has %d placeholders for %d arguments", cond, i, len(args)))
	}
	w.conds = append(w.conds, b.String())
}

// in adds "col = ANY(?)" for a non-empty list: one array parameter, however
// long the list. One value is "col = ?", which PostgreSQL can match to an
// index's column for its order, and = ANY it cannot (before version 17).
func in[T ~string](w *where, col string, vals []T) {
	switch len(vals) {
	case 0:
		return
	case 1:
		w.add(col+" = ?", string(vals[0]))
		return
	}
	ss := make([]string, len(vals))
	for i, v := range vals {
		ss[i] = string(v)
	}
	w.add(col+" = ANY(?)", ss)
}

// queryArgs returns the arguments to run w's query with. With replan, the
// query runs as an unnamed statement, which PostgreSQL plans for its
// arguments every time, instead of pgx's cached prepared statement: after
// five runs of one, PostgreSQL may keep a generic plan, made without the
// arguments, and a LIKE prefix is a range of an index only when the
// pattern is known. After five runs of q=zoe (which the newest rows
// match), q=qqqq walked all 500,000 enrollments of the instance: 0.4-0.5 s
// against 1.5 ms.
func (w *where) queryArgs() []any {
	if !w.replan {
		return w.args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, w.args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(w.conds, " AND ")
}

// page runs a keyset (or, without a cursor, offset) query over table and
// decodes the doc column of each row. count returns the total for the filter.
// filter is the hash of the filter, bound into the page token.
func page[T any](ctx context.Context, q querier, table string, w where, p enroll.ListParams, c *enroll.Cursor, filter uint64, count func() (int, error)) (*enroll.Page[*T], error) {
	// Enrollments keep their version (the ETag) in a column, not in doc.
	_, versioned := any(new(T)).(*enroll.Enrollment)
	query, err := pageQuery(table, &w, p, c, versioned)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, query, w.queryArgs()...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", table, err)
	}
	defer rows.Close()
	var (
		out  []*T
		keys []enroll.Cursor
	)
	for rows.Next() {
		var (
			id  string
			key any
			doc []byte
		)
		var version int
		dest := []any{&id, &key, &doc}
		if versioned {
			dest = append(dest, &version)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("postgres: list %s: %w", table, err)
		}
		v, err := decode[T](doc)
		if err != nil {
			return nil, err
		}
		if e, ok := any(v).(*enroll.Enrollment); ok {
			e.Version = version
		}
		k := enroll.Cursor{Sort: p.Sort, ID: id, Filter: filter}
		switch x := key.(type) {
		case time.Time:
			k.Time = x.UTC()
		case int64:
			k.Text = strconv.FormatInt(x, 10)
		case string:
			k.Text = x
		}
		out = append(out, v)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list %s: %w", table, err)
	}
	total, err := count()
	if err != nil {
		return nil, err
	}
	// NewPage asks only for the cursor of the page's last row.
	last := min(p.PerPage, len(keys)) - 1
	return enroll.NewPage(out, p, total, func(*T) enroll.Cursor { return keys[last] }), nil
}

// countRows counts the rows of table matching w.
func countRows(ctx context.Context, q querier, table string, w where) (int, error) {
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+w.sql(), w.queryArgs()...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", table, err)
	}
	return n, nil
}

// pageQuery returns page's query: the rows of table that w keeps, after
// cursor c or at p's offset, in p's sort, with their sort key, document
// and, when versioned, version. It adds the cursor's condition to w,
// whose args are the query's.
func pageQuery(table string, w *where, p enroll.ListParams, c *enroll.Cursor, versioned bool) (string, error) {
	spec, ok := sortSpecs[p.Sort]
	if !ok {
		return "", fmt.Errorf("postgres: no sort %q", p.Sort)
	}
	if len(w.conds) == 0 || w.conds[0] != "workspace_id = $1" {
		return "", fmt.Errorf("postgres: list of %s not scoped to a workspace first", table)
	}
	dir, cmp := "ASC", ">"
	if spec.desc {
		dir, cmp = "DESC", "<"
	}
	// An integer sort key (events' seq) is unique: ordered by it alone, its
	// index gives the order. With ", id" after it, which that index does
	// not hold, PostgreSQL had to sort, and a deep offset of the events
	// (page=5000) became a sort of the whole workspace's events spilled to
	// disk (1.8 GB of temporary files, 4.8 s at 1.18M events).
	unique := spec.kind == 'i'
	if c != nil {
		var v any
		switch spec.kind {
		case 't':
			v = c.Time
		case 'i':
			n, err := strconv.ParseInt(c.Text, 10, 64)
			if err != nil {
				return "", enroll.Errorf(enroll.EINVALID, "pageToken is malformed.")
			}
			v = n
		default:
			v = c.Text
		}
		if unique {
			w.add(spec.col+" "+cmp+" ?", v)
		} else {
			// A row comparison, which a (sort column, id) index serves directly.
			w.add("("+spec.col+", id) "+cmp+" (?, ?)", v, c.ID)
		}
	}
	docCols := "doc"
	if versioned {
		docCols = "doc, version"
	}
	order := spec.col + " " + dir
	if !unique {
		order += ", id " + dir
	}
	from := table + " WHERE " + w.sql()
	if w.fence {
		// OFFSET 0 keeps the planner from pulling the conditions out to
		// walk a sort index: it finds the rows from the index of the
		// conditions, and the few it finds are sorted.
		from = "(SELECT * FROM " + from + " OFFSET 0) AS " + table
	} else if w.lead != "" {
		order = w.lead + " " + dir + ", " + order
	}
	if c != nil || p.Offset() == 0 {
		return fmt.Sprintf("SELECT id, %s, %s FROM %s ORDER BY %s LIMIT %d", spec.col, docCols, from, order, p.PerPage+1), nil
	}
	// An offset is skipped on the keys alone, which the sort index holds
	// (an index-only scan), and only the page's rows are read: skipping
	// whole rows read every skipped row's document from the heap (261 ms at
	// page=5000 of 350,000 enrollments).
	key := "id"
	if unique {
		key = spec.col
	}
	return fmt.Sprintf("SELECT id, %s, %s FROM %s WHERE workspace_id = $1 AND %s IN (SELECT %s FROM %s ORDER BY %s LIMIT %d OFFSET %d) ORDER BY %s",
		spec.col, docCols, table, key, key, from, order, p.PerPage+1, p.Offset(), order), nil
}
