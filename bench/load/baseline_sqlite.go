package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/enrollhq/enroll"
	_ "modernc.org/sqlite" // the "sqlite" driver, as the store uses it
)

func init() {
	roles["bare-sqlite"] = serveBareSQLite
	baselineServers = append(baselineServers, baselineServer{
		role: "bare-sqlite", backend: "sqlite",
		labels: map[string]string{opCreate: "bare SQLite: insert", opGet: "bare SQLite: select by key",
			opUpdate: "bare SQLite: read-modify-write", opList: "bare SQLite: same index, 100 rows"},
		args: func(ph *phase, dir string) []string {
			own := filepath.Join(dir, "bare-"+ph.label+".db")
			return []string{"-db", own, "-read", ph.dsn, "-template", ph.template}
		},
	})
}

// serveBareSQLite is baseline (b): net/http and modernc.org/sqlite with the
// store's pragmas and connection layout (one writer, 2×GOMAXPROCS readers),
// keeping each enrollment as one JSON document under its primary key.
// Creates and updates write a table of its own, one autocommit statement or
// one short transaction each; gets and lists read the enrollments of
// Enroll's own database file (not served meanwhile) and return the stored
// documents as they are, so reads cost what the stack needs to fetch the
// same rows through the same indexes.
func serveBareSQLite(ctx context.Context, args []string) (string, func() error, error) {
	fs := childFlags("bare-sqlite")
	own := fs.String("db", "", "database file the baseline writes")
	read := fs.String("read", "", "Enroll's database file, read for gets and lists")
	tpath := fs.String("template", "", "enrollment JSON creates start from")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	t, err := loadTemplate(*tpath)
	if err != nil {
		return "", nil, err
	}
	b := &bareSQLite{t: t}
	if err := b.open(ctx, *own, *read); err != nil {
		b.close()
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc(baseCreate, b.create)
	mux.HandleFunc(baseGet, b.get)
	mux.HandleFunc(baseUpdate, b.update)
	mux.HandleFunc(baseList, b.list)
	url, stop, err := serveMux(mux)
	if err != nil {
		b.close()
		return "", nil, err
	}
	return url, func() error { return errors.Join(stop(), b.close()) }, nil
}

// bareSQLite is the baseline's state: its writer and readers and their
// prepared statements.
type bareSQLite struct {
	t                    *enroll.Enrollment
	w, r                 *sql.DB
	insert, selectOwn    *sql.Stmt
	updateOwn, selectDoc *sql.Stmt
	selectPage           *sql.Stmt
}

// open opens the baseline's own database for writing and Enroll's for
// reading, and prepares the statements.
func (b *bareSQLite) open(ctx context.Context, own, read string) error {
	var err error
	if b.w, err = sql.Open("sqlite", sqliteDSN(own, "FULL", false)); err != nil {
		return err
	}
	b.w.SetMaxOpenConns(1)
	if _, err := b.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`); err != nil {
		return err
	}
	if b.r, err = sql.Open("sqlite", sqliteDSN(read, "FULL", true)); err != nil {
		return err
	}
	b.r.SetMaxOpenConns(2 * runtime.GOMAXPROCS(0))
	b.r.SetMaxIdleConns(2 * runtime.GOMAXPROCS(0))
	for _, s := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		q   string
	}{
		{b.w, &b.insert, `INSERT INTO docs (id, doc) VALUES (?, ?)`},
		{b.w, &b.selectOwn, `SELECT doc FROM docs WHERE id = ?`},
		{b.w, &b.updateOwn, `UPDATE docs SET doc = ? WHERE id = ?`},
		{b.r, &b.selectDoc, `SELECT doc FROM enrollments WHERE id = ?`},
		{b.r, &b.selectPage, `SELECT doc FROM enrollments WHERE workspace_id = ? AND instance_id = ? AND status = ?
			ORDER BY created_at DESC, id DESC LIMIT ?`},
	} {
		if *s.dst, err = s.db.PrepareContext(ctx, s.q); err != nil {
			return err
		}
	}
	return nil
}

// close closes both databases.
func (b *bareSQLite) close() error {
	var errs []error
	for _, db := range []*sql.DB{b.w, b.r} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// create decodes the request, builds the enrollment and inserts its document.
func (b *bareSQLite) create(w http.ResponseWriter, r *http.Request) {
	in, err := decodeCreate(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e := fromRequest(b.t, in)
	doc, _ := json.Marshal(e)
	if _, err := b.insert.ExecContext(r.Context(), e.ID, string(doc)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusCreated, doc)
}

// get returns the stored document of an enrollment.
func (b *bareSQLite) get(w http.ResponseWriter, r *http.Request) {
	var doc []byte
	err := b.selectDoc.QueryRowContext(r.Context(), r.PathValue("id")).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		http.NotFound(w, r)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// update changes the status of one of the baseline's own documents in a
// read-modify-write transaction.
func (b *bareSQLite) update(w http.ResponseWriter, r *http.Request) {
	var patch struct {
		Status enroll.Status `json:"eligibilityStatus"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&patch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer tx.Rollback()
	var doc []byte
	if err := tx.StmtContext(ctx, b.selectOwn).QueryRowContext(ctx, r.PathValue("id")).Scan(&doc); err != nil {
		http.NotFound(w, r)
		return
	}
	var e enroll.Enrollment
	if err := json.Unmarshal(doc, &e); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	e.Eligibility.Status = patch.Status
	doc, _ = json.Marshal(&e)
	if _, err := tx.StmtContext(ctx, b.updateOwn).ExecContext(ctx, string(doc), e.ID); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := tx.Commit(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// list returns a page of an instance's documents in one status, newest
// first, through the same index Enroll's list uses.
func (b *bareSQLite) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("perPage"))
	if err != nil || n < 1 {
		n = 50
	}
	rows, err := b.selectPage.QueryContext(r.Context(), q.Get("ws"), r.PathValue("instance"), q.Get("status"), n)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for i := 0; rows.Next(); i++ {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(doc)
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	buf.WriteString(`]}`)
	writeJSON(w, http.StatusOK, buf.Bytes())
}
