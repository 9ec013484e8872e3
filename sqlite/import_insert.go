package sqlite

import (
	"database/sql"
	"strings"
	"sync"
)

// insertTexts caches the INSERT statement of each table and column list.
var insertTexts sync.Map // insertKey → string

type insertKey struct {
	head  string
	ncols int
}

// insertText returns `head VALUES (?, ...)` with ncols placeholders.
func insertText(head string, ncols int) string {
	k := insertKey{head, ncols}
	if s, ok := insertTexts.Load(k); ok {
		return s.(string)
	}
	s, _ := insertTexts.LoadOrStore(k, head+" VALUES ("+strings.Repeat("?, ", ncols-1)+"?)")
	return s.(string)
}

// insertRows inserts the rows whose values args holds, ncols per row and
// in order, with head (`INSERT INTO t (a, b)`), one prepared statement run
// per row. inserted, when not nil, is called after each row with its index
// and result.
//
// One row per statement is the cheaper way: a statement that may write
// several rows makes SQLite open a statement journal (a savepoint) for it,
// which copies every page the statement changes, and in the in-memory
// journal each copy costs allocations. Multi-row INSERTs of 64 rows spent
// more on that than they saved in statement runs (docs/import.md).
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
