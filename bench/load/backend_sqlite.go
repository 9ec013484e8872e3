package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

func init() { backends["sqlite"] = sqliteBackend{} }

// sqliteBackend is Enroll's embedded SQLite store; a DSN is a file path.
type sqliteBackend struct{}

func (sqliteBackend) label() string { return "SQLite" }

// probe always succeeds: SQLite is a file.
func (sqliteBackend) probe(context.Context, options) error { return nil }

func (sqliteBackend) create(_ context.Context, _ options, dir string) (string, error) {
	return filepath.Join(dir, "enroll.db"), nil
}

// drop does nothing: the file is in the run's directory.
func (sqliteBackend) drop(context.Context, options, string) error { return nil }

func (sqliteBackend) describe(context.Context, string) (string, error) {
	return "modernc.org/sqlite " + sqliteVersion() + " in the server process, with the store's defaults: WAL, synchronous=FULL, " +
		"one writer connection with a 16 MB page cache, 2×GOMAXPROCS readers with 4 MB each", nil
}

// settle writes back what loading left dirty in the page cache now, not
// during the runs, where it would stall the servers' synchronous commits.
func (sqliteBackend) settle(context.Context, string) error {
	syscall.Sync()
	return nil
}

// dbCPU is nil: SQLite runs in the server process.
func (sqliteBackend) dbCPU(string) func() (procTimes, error) { return nil }

// sqliteVersion returns the SQLite library's version, or "" if unknown.
func sqliteVersion() string {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return ""
	}
	defer db.Close()
	var v string
	if db.QueryRow(`SELECT sqlite_version()`).Scan(&v) != nil {
		return ""
	}
	return "(SQLite " + v + ")"
}

// open opens the store as `enroll serve` does (synchronous=FULL), or with
// synchronous=NORMAL for loading: a load that dies is simply rerun.
func (sqliteBackend) open(ctx context.Context, dsn string, bulk bool) (enroll.Store, error) {
	cfg := sqlite.Config{Path: dsn, Engine: rules.New()}
	if bulk {
		cfg.Synchronous = "NORMAL"
	}
	return sqlite.Open(ctx, cfg)
}

func (sqliteBackend) bulkMode() string { return "synchronous=NORMAL" }

// sqliteDSN returns a modernc.org/sqlite data source name for path with the
// pragmas sqlite.Open gives its connections (dsn in sqlite/db.go; keep the
// two alike), synchronous as given.
func sqliteDSN(path, synchronous string, readOnly bool) string {
	cacheKB := 16000
	if readOnly {
		cacheKB = 4000
	}
	return sqliteDSNCache(path, synchronous, readOnly, cacheKB)
}

// sqliteDSNCache is sqliteDSN with a page cache of cacheKB kilobytes.
func sqliteDSNCache(path, synchronous string, readOnly bool, cacheKB int) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "cache_size(-"+strconv.Itoa(cacheKB)+")")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
		q.Add("_txlock", "deferred")
	} else {
		q.Add("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// cloneBatch is the number of rows per clone transaction.
const cloneBatch = 20_000

// clone copies rows in SQL, deriving every column it does not change from
// the template row itself, so the copies index, filter and sort exactly as
// the originals. History and events are not copied: no measured request
// reads them for a cloned enrollment.
func (sqliteBackend) clone(ctx context.Context, dsn, inst string, templates []string, n int, keep func(string)) error {
	if len(templates) == 0 {
		return fmt.Errorf("clone: no templates")
	}
	// Ids are random, so inserts land all over the indexes: a page cache
	// that holds them (1 GB, twice that resident: see sqlite/db.go) keeps
	// a million inserts from going to the disk.
	// Synchronous OFF and rare checkpoints: the copy is rerun if it dies,
	// and newPhase syncs the file system before anything is measured.
	db, err := sql.Open("sqlite", sqliteDSNCache(dsn, "OFF", false, 1<<20)+"&_pragma=wal_autocheckpoint(25000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ts := make([]template, 0, len(templates))
	for _, id := range templates {
		t := template{id: id}
		var edoc, cdoc string
		err := db.QueryRowContext(ctx, `SELECT e.customer_id, e.status, e.doc, c.doc FROM enrollments e JOIN customers c ON c.id = e.customer_id
			WHERE e.id = ? AND e.instance_id = ?`, id, inst).Scan(&t.customerID, &t.status, &edoc, &cdoc)
		if err != nil {
			return fmt.Errorf("clone: template %s: %w", id, err)
		}
		if err := errors.Join(json.Unmarshal([]byte(edoc), &t.e), json.Unmarshal([]byte(cdoc), &t.c)); err != nil {
			return fmt.Errorf("clone: template %s: %w", id, err)
		}
		ts = append(ts, t)
	}
	tag := enroll.NewID()[16:]
	counts := map[enroll.Status]int{}
	// Copies are newer than anything the store wrote, a microsecond apart.
	base := time.Now().UTC().Truncate(time.Microsecond)
	for start := 0; start < n; start += cloneBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		err = cloneRows(ctx, tx, ts, tag, base, start, min(start+cloneBatch, n), counts, keep)
		if err == nil {
			err = tx.Commit()
		} else {
			_ = tx.Rollback()
		}
		if err != nil {
			return fmt.Errorf("clone: %w", err)
		}
	}
	for s, k := range counts {
		res, err := db.ExecContext(ctx, `UPDATE enrollment_counts SET n = n + ? WHERE instance_id = ? AND status = ?`, k, inst, string(s))
		if err != nil {
			return fmt.Errorf("clone: counters: %w", err)
		}
		if m, _ := res.RowsAffected(); m != 1 {
			return fmt.Errorf("clone: no counter for %s", s)
		}
	}
	for k, m := range cloneLabelCounts(ts, n) {
		_, err := db.ExecContext(ctx, `INSERT INTO enrollment_label_counts (instance_id, kind, value, status, workspace_id, n)
			SELECT id, ?, ?, ?, workspace_id, ? FROM program_instances WHERE id = ?
			ON CONFLICT (instance_id, kind, value, status) DO UPDATE SET n = n + excluded.n`,
			string(k.label.Kind), k.label.Value, string(k.status), m, inst)
		if err != nil {
			return fmt.Errorf("clone: label counters: %w", err)
		}
	}
	return nil
}

// cloneRows inserts copies from to to (exclusive) in tx, each customer
// before its enrollment.
func cloneRows(ctx context.Context, tx *sql.Tx, ts []template, tag string, base time.Time, from, to int, counts map[enroll.Status]int, keep func(string)) error {
	insC, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, workspace_id, email_norm, reference_id, doc, created_at, updated_at)
		SELECT ?, workspace_id, ?, reference_id, ?, ?, ? FROM customers WHERE id = ?`)
	if err != nil {
		return err
	}
	insE, err := tx.PrepareContext(ctx, `INSERT INTO enrollments (id, workspace_id, instance_id, customer_id, lead_id, status, email_norm,
			reference_id, first_name, last_name, labels, doc, version, created_at, updated_at)
		SELECT ?, workspace_id, instance_id, ?, lead_id, status, ?, reference_id, first_name, last_name, labels, ?, version, ?, ? FROM enrollments WHERE id = ?`)
	if err != nil {
		return err
	}
	for i := from; i < to; i++ {
		t := &ts[i%len(ts)]
		now := base.Add(time.Duration(i) * time.Microsecond)
		email := fmt.Sprintf("clone-%s-%d@example.com", tag, i)
		c, e := t.c, t.e
		c.ID, c.Email, c.CreatedAt, c.UpdatedAt = enroll.NewID(), email, now, now
		e.ID, e.CustomerID, e.Email, e.CreatedAt, e.UpdatedAt = enroll.NewID(), c.ID, email, now, now
		cdoc, err1 := json.Marshal(&c)
		edoc, err2 := json.Marshal(&e)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		at := now.UnixMicro()
		if _, err := insC.ExecContext(ctx, c.ID, enroll.NormalizeEmail(email), string(cdoc), at, at, t.customerID); err != nil {
			return err
		}
		if _, err := insE.ExecContext(ctx, e.ID, c.ID, enroll.NormalizeEmail(email), string(edoc), at, at, t.id); err != nil {
			return err
		}
		counts[t.status]++
		keep(e.ID)
	}
	return nil
}

func (sqliteBackend) count(ctx context.Context, dsn, inst string, status enroll.Status) (int, error) {
	db, err := sql.Open("sqlite", sqliteDSN(dsn, "FULL", true))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE instance_id = ? AND status = ?`, inst, string(status)).Scan(&n)
	return n, err
}
