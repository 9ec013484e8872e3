package postgres

import (
	"context"
	"database/sql"
	"fmt"
)

// nameKeysVersion is the migration that recomputes the names' keys
// (first_name, last_name) with namekey.Of; rolled back, it writes them
// lower-cased, as the release before it did.
const nameKeysVersion = 19

// rekeyNames returns a migration that sets first_name and last_name to
// key of the names in each enrollment's document. It reads only the rows
// whose stored keys hold a non-ASCII byte: for a name whose lower case
// is ASCII, namekey.Of is that lower case, so the others are right as
// they are. Their ids come first, then the rows themselves, 1,000 at a
// time, each thousand written by one UPDATE. It runs in the migration's
// transaction: an interrupted run leaves every key as it was, and goose
// runs it again at the next start; a row already keyed is left alone.
//
// A replica of the release before that writes an enrollment after the
// migration writes its keys lower-cased, as it always did: such a row
// gets its key at its next update, which writes every column.
func rekeyNames(key func(string) string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT workspace_id, id FROM enrollments
			WHERE octet_length(first_name) <> length(first_name) OR octet_length(last_name) <> length(last_name)`)
		if err != nil {
			return fmt.Errorf("postgres: find non-ASCII names: %w", err)
		}
		var ws, ids []string
		for rows.Next() {
			var w, id string
			if err := rows.Scan(&w, &id); err != nil {
				rows.Close()
				return fmt.Errorf("postgres: find non-ASCII names: %w", err)
			}
			ws, ids = append(ws, w), append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: find non-ASCII names: %w", err)
		}
		for len(ids) > 0 {
			n := min(len(ids), 1000)
			if err := rekeyRows(ctx, tx, ws[:n], ids[:n], key); err != nil {
				return err
			}
			ws, ids = ws[n:], ids[n:]
		}
		return nil
	}
}

// rekeyRows sets the names' keys of the given enrollments where they
// differ from key of their documents' names. It locks the rows as it
// reads them: a replica of the release before renaming one meanwhile
// would otherwise have its new name keyed as the old one, which the
// UPDATE, matching the id alone, would write over it.
func rekeyRows(ctx context.Context, tx *sql.Tx, ws, ids []string, key func(string) string) error {
	rows, err := tx.QueryContext(ctx, `SELECT e.workspace_id, e.id, e.first_name, e.last_name, e.doc->>'firstName', e.doc->>'lastName'
		FROM enrollments e JOIN unnest($1::text[], $2::text[]) AS u(workspace_id, id) ON e.workspace_id = u.workspace_id AND e.id = u.id
		FOR UPDATE OF e`, ws, ids)
	if err != nil {
		return fmt.Errorf("postgres: read names: %w", err)
	}
	var cws, cids, firsts, lasts []string
	for rows.Next() {
		var w, id, oldFirst, oldLast string
		var first, last sql.NullString
		if err := rows.Scan(&w, &id, &oldFirst, &oldLast, &first, &last); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: read names: %w", err)
		}
		if f, l := key(first.String), key(last.String); f != oldFirst || l != oldLast {
			cws, cids, firsts, lasts = append(cws, w), append(cids, id), append(firsts, f), append(lasts, l)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: read names: %w", err)
	}
	if len(cids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE enrollments e SET first_name = u.first_name, last_name = u.last_name
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(workspace_id, id, first_name, last_name)
		WHERE e.workspace_id = u.workspace_id AND e.id = u.id`, cws, cids, firsts, lasts); err != nil {
		return fmt.Errorf("postgres: rekey names: %w", err)
	}
	return nil
}
