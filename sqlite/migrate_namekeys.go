package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// nameKeysVersion is the migration that recomputes the names' keys
// (first_name, last_name) with namekey.Of; rolled back, it writes them
// lower-cased, as the release before it did.
const nameKeysVersion = 20

// nonASCII is the condition that col holds a byte outside ASCII: its
// length in characters is not its length in bytes.
func nonASCII(col string) string {
	return "length(" + col + ") <> length(CAST(" + col + " AS BLOB))"
}

// rekeyNames returns a migration that sets first_name and last_name to
// key of the names in each enrollment's document. It reads only the rows
// whose stored keys hold a non-ASCII byte: for a name whose lower case
// is ASCII, namekey.Of is that lower case, so the others are right as
// they are. Their rowids come first, from the two names' indexes (which
// hold them, so the table is not read), then the rows themselves, 500 at
// a time in rowid order. It runs in the migration's transaction: an
// interrupted run leaves every key as it was, and goose runs it again at
// the next start; a row already keyed is left alone.
func rekeyNames(key func(string) string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT rowid FROM enrollments WHERE `+nonASCII("first_name")+
			` UNION SELECT rowid FROM enrollments WHERE `+nonASCII("last_name"))
		if err != nil {
			return fmt.Errorf("sqlite: find non-ASCII names: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: find non-ASCII names: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: find non-ASCII names: %w", err)
		}
		slices.Sort(ids)
		for len(ids) > 0 {
			n := min(len(ids), 500)
			if err := rekeyRows(ctx, tx, ids[:n], key); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	}
}

// rekeyRows sets the names' keys of the enrollments with the given
// rowids where they differ from key of their documents' names.
func rekeyRows(ctx context.Context, tx *sql.Tx, ids []int64, key func(string) string) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT rowid, first_name, last_name, json_extract(doc, '$.firstName'), json_extract(doc, '$.lastName')
		FROM enrollments WHERE rowid IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: read names: %w", err)
	}
	type keys struct {
		rowid       int64
		first, last string
	}
	var changed []keys
	for rows.Next() {
		var k keys
		var oldFirst, oldLast string
		var first, last sql.NullString
		if err := rows.Scan(&k.rowid, &oldFirst, &oldLast, &first, &last); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: read names: %w", err)
		}
		k.first, k.last = key(first.String), key(last.String)
		if k.first != oldFirst || k.last != oldLast {
			changed = append(changed, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read names: %w", err)
	}
	for _, k := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET first_name = ?, last_name = ? WHERE rowid = ?`, k.first, k.last, k.rowid); err != nil {
			return fmt.Errorf("sqlite: rekey names: %w", err)
		}
	}
	return nil
}
