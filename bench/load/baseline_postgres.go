package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/enrollhq/enroll"
)

func init() {
	roles["bare-postgres"] = serveBarePostgres
	baselineServers = append(baselineServers, baselineServer{
		role: "bare-postgres", backend: "postgres",
		labels: map[string]string{opCreate: "bare PostgreSQL: insert", opGet: "bare PostgreSQL: select by key",
			opUpdate: "bare PostgreSQL: read-modify-write", opList: "bare PostgreSQL: same index, 100 rows"},
		args: func(ph *phase, _ string) []string {
			return []string{"-url", ph.dsn, "-ws", ph.ds.wsID, "-template", ph.template}
		},
	})
}

// serveBarePostgres is the PostgreSQL baseline, bare SQLite's twin:
// net/http and pgx with the pool Enroll's store opens (pgxpool's default
// size, statements prepared and cached per connection), keeping each
// enrollment as one jsonb document under its primary key. Creates and
// updates write a table of its own in Enroll's database (bare_docs, made
// anew when the server starts), one autocommit statement or one short READ
// COMMITTED transaction with a row lock each; gets and lists read Enroll's
// own rows through the same indexes and return the stored documents as
// they are.
func serveBarePostgres(ctx context.Context, args []string) (string, func() error, error) {
	fs := childFlags("bare-postgres")
	dsn := fs.String("url", "", "Enroll's database: read for gets and lists, and holds the baseline's own table")
	ws := fs.String("ws", "", "the workspace of the enrollments read")
	tpath := fs.String("template", "", "enrollment JSON creates start from")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	t, err := loadTemplate(*tpath)
	if err != nil {
		return "", nil, err
	}
	pool, err := pgxpool.New(ctx, *dsn)
	if err != nil {
		return "", nil, fmt.Errorf("bare-postgres: %w", err)
	}
	for _, q := range []string{`DROP TABLE IF EXISTS bare_docs`, `CREATE TABLE bare_docs (id TEXT PRIMARY KEY, doc JSONB NOT NULL)`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			pool.Close()
			return "", nil, fmt.Errorf("bare-postgres: %w", err)
		}
	}
	b := &barePostgres{t: t, pool: pool, ws: *ws}
	mux := http.NewServeMux()
	mux.HandleFunc(baseCreate, b.create)
	mux.HandleFunc(baseGet, b.get)
	mux.HandleFunc(baseUpdate, b.update)
	mux.HandleFunc(baseList, b.list)
	url, stop, err := serveMux(mux)
	if err != nil {
		pool.Close()
		return "", nil, err
	}
	return url, func() error {
		err := stop()
		pool.Close()
		return err
	}, nil
}

// barePostgres is the baseline's state.
type barePostgres struct {
	t    *enroll.Enrollment
	pool *pgxpool.Pool
	ws   string
}

// create decodes the request, builds the enrollment and inserts its document.
func (b *barePostgres) create(w http.ResponseWriter, r *http.Request) {
	in, err := decodeCreate(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e := fromRequest(b.t, in)
	doc, _ := json.Marshal(e)
	if _, err := b.pool.Exec(r.Context(), `INSERT INTO bare_docs (id, doc) VALUES ($1, $2)`, e.ID, string(doc)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusCreated, doc)
}

// get returns the stored document of an enrollment.
func (b *barePostgres) get(w http.ResponseWriter, r *http.Request) {
	var doc []byte
	err := b.pool.QueryRow(r.Context(), `SELECT doc FROM enrollments WHERE workspace_id = $1 AND id = $2`, b.ws, r.PathValue("id")).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		http.NotFound(w, r)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// update changes the status of one of the baseline's own documents: read
// under a row lock, change, write back, commit.
func (b *barePostgres) update(w http.ResponseWriter, r *http.Request) {
	var patch struct {
		Status enroll.Status `json:"eligibilityStatus"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&patch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var doc []byte
	code := http.StatusOK
	err := pgx.BeginTxFunc(r.Context(), b.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(r.Context(), `SELECT doc FROM bare_docs WHERE id = $1 FOR UPDATE`, r.PathValue("id")).Scan(&doc); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				code = http.StatusNotFound
			}
			return err
		}
		var e enroll.Enrollment
		if err := json.Unmarshal(doc, &e); err != nil {
			return err
		}
		e.Eligibility.Status = patch.Status
		doc, _ = json.Marshal(&e)
		_, err := tx.Exec(r.Context(), `UPDATE bare_docs SET doc = $1 WHERE id = $2`, string(doc), e.ID)
		return err
	})
	if err != nil {
		if code == http.StatusOK {
			code = http.StatusInternalServerError
		}
		http.Error(w, err.Error(), code)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// list returns a page of an instance's documents in one status, newest
// first, through the index Enroll's list uses.
func (b *barePostgres) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("perPage"))
	if err != nil || n < 1 {
		n = 50
	}
	rows, err := b.pool.Query(r.Context(), `SELECT doc FROM enrollments WHERE workspace_id = $1 AND instance_id = $2 AND status = $3
		ORDER BY created_at DESC, id DESC LIMIT $4`, q.Get("ws"), r.PathValue("instance"), q.Get("status"), n)
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
