package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

func init() { roles["bare-sqlite-import"] = serveBareImport }

// bareImportRoute is the bare import's one route.
const bareImportRoute = "POST /imports"

// bareImportResult is the bare import's answer.
type bareImportResult struct {
	// Rows counts the rows read; Inserted those written (every row the
	// CSV decoder could decode: no validation, no dedup).
	Rows, Inserted int
	// Capped says the import stopped at the cap, before the end of the file.
	Capped bool
}

// serveBareImport is the import's baseline: net/http and modernc.org/sqlite
// with the store's pragmas (synchronous=FULL), which reads the uploaded
// CSV as it arrives with the import's own row decoder and writes each row
// as one JSON document with multi-row INSERTs, in transactions of
// enroll.DefaultImportBatch rows, as the import batches them. Nothing else:
// no validation, customers, dedup, rules, history, events or counters.
func serveBareImport(ctx context.Context, args []string) (string, func() error, error) {
	fs := childFlags("bare-sqlite-import")
	path := fs.String("db", "", "database file the baseline writes")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	db, err := sql.Open("sqlite", sqliteDSN(*path, "FULL", false))
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`); err != nil {
		db.Close()
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc(bareImportRoute, func(w http.ResponseWriter, r *http.Request) {
		limit, err := time.ParseDuration(r.URL.Query().Get("cap"))
		if err != nil {
			limit = time.Hour
		}
		res, err := bareImport(r.Context(), db, r.Body, time.Now().Add(limit))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b, _ := json.Marshal(res)
		writeJSON(w, http.StatusOK, b)
	})
	url, stop, err := serveMux(mux)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	return url, func() error { return errors.Join(stop(), db.Close()) }, nil
}

// bareImportChunk is the rows of one INSERT statement: 200 variables, far
// below SQLite's limit of 32,766 per statement.
const bareImportChunk = 100

// bareImport writes the rows of a CSV file until its end or the deadline.
func bareImport(ctx context.Context, db *sql.DB, body io.Reader, deadline time.Time) (bareImportResult, error) {
	var res bareImportResult
	dec, err := enroll.NewRowDecoder(enroll.FormatCSV, body)
	if err != nil {
		return res, err
	}
	full, err := db.PrepareContext(ctx, bareInsertDocs(bareImportChunk))
	if err != nil {
		return res, err
	}
	defer full.Close()
	args := make([]any, 0, 2*bareImportChunk)
	for eof := false; !eof; {
		if time.Now().After(deadline) {
			res.Capped = true
			return res, nil
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return res, err
		}
		for n := 0; n < enroll.DefaultImportBatch && !eof; {
			args = args[:0]
			for len(args) < 2*bareImportChunk && n < enroll.DefaultImportBatch {
				row, err := dec.Next()
				if errors.Is(err, io.EOF) {
					eof = true
					break
				} else if err != nil {
					_ = tx.Rollback()
					return res, err
				}
				res.Rows++
				n++
				if row.Create == nil {
					continue
				}
				doc, err := json.Marshal(row.Create)
				if err != nil {
					_ = tx.Rollback()
					return res, err
				}
				args = append(args, enroll.NewID(), string(doc))
			}
			if len(args) == 0 {
				continue
			}
			var err error
			if len(args) == cap(args) {
				_, err = tx.StmtContext(ctx, full).ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, bareInsertDocs(len(args)/2), args...)
			}
			if err != nil {
				_ = tx.Rollback()
				return res, fmt.Errorf("insert: %w", err)
			}
			res.Inserted += len(args) / 2
		}
		if err := tx.Commit(); err != nil {
			return res, fmt.Errorf("commit: %w", err)
		}
	}
	return res, nil
}

// bareInsertDocs returns a statement that inserts n documents.
func bareInsertDocs(n int) string {
	return `INSERT INTO docs (id, doc) VALUES ` + strings.Repeat("(?, ?), ", n-1) + `(?, ?)`
}
