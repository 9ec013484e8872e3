package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
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
// long the list.
func in[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ss := make([]string, len(vals))
	for i, v := range vals {
		ss[i] = string(v)
	}
	w.add(col+" = ANY(?)", ss)
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
	spec, ok := sortSpecs[p.Sort]
	if !ok {
		return nil, fmt.Errorf("postgres: no sort %q", p.Sort)
	}
	dir, cmp := "ASC", ">"
	if spec.desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		var v any
		switch spec.kind {
		case 't':
			v = c.Time
		case 'i':
			n, err := strconv.ParseInt(c.Text, 10, 64)
			if err != nil {
				return nil, enroll.Errorf(enroll.EINVALID, "pageToken is malformed.")
			}
			v = n
		default:
			v = c.Text
		}
		// A row comparison, which a (sort column, id) index serves directly.
		w.add("("+spec.col+", id) "+cmp+" (?, ?)", v, c.ID)
	}
	// Enrollments keep their version (the ETag) in a column, not in doc.
	_, versioned := any(new(T)).(*enroll.Enrollment)
	docCols := "doc"
	if versioned {
		docCols = "doc, version"
	}
	query := fmt.Sprintf("SELECT id, %s, %s FROM %s WHERE %s ORDER BY %s %s, id %s LIMIT %d",
		spec.col, docCols, table, w.sql(), spec.col, dir, dir, p.PerPage+1)
	if c == nil && p.Offset() > 0 {
		query += " OFFSET " + strconv.Itoa(p.Offset())
	}
	rows, err := q.Query(ctx, query, w.args...)
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
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE "+w.sql(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", table, err)
	}
	return n, nil
}
