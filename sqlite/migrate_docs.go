package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/enrollhq/enroll"
)

// nullMembersVersion is the migration that rewrites the enrollments'
// documents with a null for each member without a value.
const nullMembersVersion = 13

// rewriteEnrollmentDocs re-encodes every stored enrollment document. The
// API answers a document as it is stored (enroll.EnrollmentDocReader), and
// documents written before representations showed members without a value
// as null (nulljson.go in the domain) leave them out; encoded again, they
// read as a newly written one does. Each document is read and written as
// an update of the enrollment reads and writes it, in rowid order, a
// thousand at a time.
func rewriteEnrollmentDocs(ctx context.Context, tx *sql.Tx) error {
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT rowid, doc FROM enrollments WHERE rowid > ? ORDER BY rowid LIMIT 1000`, after)
		if err != nil {
			return fmt.Errorf("sqlite: read enrollment documents: %w", err)
		}
		type doc struct {
			rowid int64
			doc   string
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.rowid, &d.doc); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: read enrollment documents: %w", err)
			}
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: read enrollment documents: %w", err)
		}
		if len(docs) == 0 {
			return nil
		}
		for _, d := range docs {
			e, err := decode[enroll.Enrollment](d.doc)
			if err != nil {
				return fmt.Errorf("enrollment document %d: %w", d.rowid, err)
			}
			out, err := encode(e)
			if err != nil {
				return err
			}
			if out == d.doc {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET doc = ? WHERE rowid = ?`, out, d.rowid); err != nil {
				return fmt.Errorf("sqlite: rewrite enrollment document: %w", err)
			}
		}
		after = docs[len(docs)-1].rowid
	}
}
