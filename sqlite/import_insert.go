package sqlite

import (
	"database/sql"
	"math/bits"
	"strings"
	"sync"
)

// insertText returns `head VALUES (?, ...)` with ncols placeholders.
func insertText(head string, ncols int) string { return manyText(head, ncols, 1) }

// insertRows inserts the rows whose values args holds, ncols per row and
// in order, with head (`INSERT INTO t (a, b)`), one prepared statement run
// per row. inserted, when not nil, is called after each row with its index
// and result. A create's few rows take this way; an import run's many take
// insertMany.
func (tx *Tx) insertRows(head string, ncols int, args []any, inserted func(i int, res sql.Result)) error {
	query := insertText(head, ncols)
	for i := 0; i*ncols < len(args); i++ {
		res, err := tx.exec(query, args[i*ncols:(i+1)*ncols]...)
		if err != nil {
			return err
		}
		if inserted != nil {
			inserted(i, res)
		}
	}
	return nil
}

// insertManyRows is the most rows insertMany writes with one statement:
// 25 saved less, 300 no more (BenchmarkImport).
const insertManyRows = 100

// insertMany inserts the rows whose values args holds, ncols per row and
// in order, with head (`INSERT INTO t (a, b)`), insertManyRows rows per
// statement and the rest in statements of 64, 32, ... 1 rows. The sizes
// are few so that the statements stay few: each is prepared and kept in
// the writer's statement cache, which a statement for every remainder
// would fill (256), leaving the API's own statements unprepared, and
// which holds each statement's memory (a 1,000,000-row import peaked 30
// MB higher).
//
// A statement that may write several rows opens a statement journal,
// which copies the pages it changes; an import run writes table by table
// inside a savepoint that journals them anyway, and there one statement
// per 100 rows costs a sixth less CPU per imported row than one per row
// (docs/import.md).
func (tx *Tx) insertMany(head string, ncols int, args []any) error {
	n := len(args) / ncols
	for i := 0; i < n; {
		rows := insertManyRows
		if left := n - i; left < rows {
			rows = 1 << (bits.Len(uint(left)) - 1) // the largest power of two ≤ left
		}
		if _, err := tx.exec(manyText(head, ncols, rows), args[ncols*i:ncols*(i+rows)]...); err != nil {
			return err
		}
		i += rows
	}
	return nil
}

type manyKey struct {
	head        string
	ncols, rows int
}

var manyTexts sync.Map // manyKey → string

// manyText returns `head VALUES (?, ...), ...` for rows rows of ncols.
func manyText(head string, ncols, rows int) string {
	k := manyKey{head, ncols, rows}
	if s, ok := manyTexts.Load(k); ok {
		return s.(string)
	}
	row := "(" + strings.Repeat("?, ", ncols-1) + "?)"
	s, _ := manyTexts.LoadOrStore(k, head+" VALUES "+strings.Repeat(row+", ", rows-1)+row)
	return s.(string)
}
