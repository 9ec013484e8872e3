// Package sqlite implements enroll.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go) in WAL mode: one writer connection, whose
// transactions start with BEGIN IMMEDIATE, and a pool of read-only readers.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/enrollhq/enroll"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Config configures a DB.
type Config struct {
	// Path is the database file; created when missing.
	Path string
	// Clock returns the current time; nil means the system clock.
	Clock enroll.Clock
	// Engine evaluates eligibility rules. Required.
	Engine enroll.RuleEngine
	// Readers is the size of the read pool; 0 means two per CPU
	// (2×GOMAXPROCS, counted before RaiseProcs).
	Readers int
	// Synchronous is SQLite's synchronous pragma; "" means FULL, so an
	// acknowledged write survives power loss as well as a killed process.
	Synchronous string
	// Sealer, if set, seals webhook signing secrets before they are
	// written and opens them when read; nil keeps them as they are.
	Sealer enroll.SecretSealer
	// Server marks the store of `enroll serve`: it holds a lock beside the
	// database (serverLockSuffix) while open, and Open refuses a second
	// server of the same file with an ECONFLICT, since each server caches
	// instances, keys and counters that the other's writes leave stale.
	// CLI commands (backup, keys, migrate) do not set it.
	Server bool

	// checkpointEvery is the background checkpoint's interval, and
	// restartFrames the WAL's size that has the writer restart it; 0 means
	// the constants of the same names. Tests shorten them.
	checkpointEvery time.Duration
	restartFrames   int
}

// DB is an enroll.Store on SQLite.
type DB struct {
	// serverLock is the lock of Config.Server, nil without it.
	serverLock *os.File
	w          *pool // one connection: SQLite has one writer at a time
	r          *pool // read-only pool
	// snapshotSlots bounds the snapshots holding r's connections.
	snapshotSlots enroll.SnapshotSlots
	group         groupCommitter // queues writes for w; see write
	ckpt          *checkpointer  // checkpoints the WAL in the background
	clock         enroll.Clock
	engine        enroll.RuleEngine
	// sealer seals webhook signing secrets at rest; nil keeps them plain.
	sealer enroll.SecretSealer
	// importContended is when writes last waited for the writer behind
	// an import's transaction (Unix nanoseconds); see importPartSize.
	importContended atomic.Int64
	// plannedCreates counts the creates written as planned before the
	// writer's turn (createPlanned), for tests.
	plannedCreates atomic.Int64
	// instances decodes the instances creates are planned with.
	instances instanceCache
	// backlogs remembers the counts of ?after= polls (listEventsAfter).
	backlogs enroll.Backlogs
	// afterPlan, set by tests, runs once between a create's plan and its
	// write transaction.
	afterPlan func()
	// afterImportPart, set by tests, runs after each part of an import
	// batch is written, in its transaction.
	afterImportPart func()
	// scan is the pool of the lists no index serves (scan.go).
	scan *pool
	// fewRows is fewRows, lowered by tests.
	fewRows int
}

var _ enroll.Store = (*DB)(nil)

// Open opens (creating if needed) the database at cfg.Path and applies
// pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if !cfg.Server {
		return open(ctx, cfg)
	}
	lock, err := lockServer(cfg.Path)
	if err != nil {
		return nil, err
	}
	db, err := open(ctx, cfg)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	db.serverLock = lock
	return db, nil
}

// open is Open, without the server's lock.
func open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Engine == nil {
		return nil, errors.New("sqlite: no rule engine")
	}
	if cfg.Synchronous == "" {
		cfg.Synchronous = "FULL"
	}
	if cfg.Readers == 0 {
		cfg.Readers = defaultReaders()
	}
	if err := migrate(ctx, cfg.Path); err != nil {
		return nil, err
	}
	db := &DB{clock: cfg.Clock, engine: cfg.Engine, fewRows: fewRows, sealer: cfg.Sealer}
	// The writer never checkpoints: the checkpointer does, outside the
	// commits all writes wait for.
	ckpt, err := startCheckpointer(cfg.Path, cfg.Synchronous, cmp.Or(cfg.checkpointEvery, checkpointEvery), cmp.Or(cfg.restartFrames, restartFrames))
	if err != nil {
		return nil, err
	}
	// secure_delete(FAST) zeroes the bytes a write frees in the pages it
	// writes anyway (CPU, no more I/O): without it a row's old version
	// stays in its page's free space, and a copy of the file taken after
	// sealing (SealWebhookSecrets) would still hold the secrets plain.
	w, err := sql.Open("sqlite", dsn(cfg.Path, cfg.Synchronous, "immediate", false)+"&_pragma=wal_autocheckpoint%280%29&_pragma=journal_size_limit%28"+
		strconv.Itoa(walSizeLimit)+"%29&_pragma=secure_delete%28FAST%29")
	if err != nil {
		ckpt.close()
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	db.ckpt = ckpt
	db.w = newPool(w)
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn(cfg.Path, cfg.Synchronous, "deferred", true))
	if err != nil {
		db.w.Close()
		db.ckpt.close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	db.r = newPool(r)
	db.r.SetMaxOpenConns(cfg.Readers)
	db.r.SetMaxIdleConns(cfg.Readers)
	s, err := sql.Open("sqlite", dsn(cfg.Path, cfg.Synchronous, "deferred", true))
	if err != nil {
		db.r.Close()
		db.w.Close()
		db.ckpt.close()
		return nil, fmt.Errorf("sqlite: open scan readers: %w", err)
	}
	db.scan = newPool(s)
	db.scan.SetMaxOpenConns(scanReaders(cfg.Readers))
	db.scan.SetMaxIdleConns(scanReaders(cfg.Readers))
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dsn builds a modernc.org/sqlite data source name with the pragmas every
// connection needs.
func dsn(path, synchronous, txlock string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Add("_pragma", "foreign_keys(ON)")
	// Pages cost twice their size in modernc.org/sqlite's allocator (4 KiB
	// plus a header rounds up to an 8 KiB slot), and each reader caches on
	// its own: readers get 4 MB, which held their hit rate in
	// docs/benchmarks.md while halving the server's peak RSS; the writer
	// keeps 16 MB for the index pages writes touch (64 MB gave the import
	// nothing, nor did 8-32 KiB pages overall: docs/benchmarks.md,
	// session 21).
	cacheKB := "16000"
	if readOnly {
		cacheKB = "4000"
	}
	q.Add("_pragma", "cache_size(-"+cacheKB+")")
	// Savepoints (an import runs each row in one) journal the pages they
	// change to a temporary file; in memory that costs no system calls.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_txlock", txlock)
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	}
	if strings.HasPrefix(path, "//") {
		// A URI's authority: //tmp/x.db names /tmp/x.db, as POSIX has it.
		path = "/" + strings.TrimLeft(path, "/")
	}
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes what SQLite would read otherwise in the path of a
// "file:" name, a URI: a '?' or '#' would end the path and a '%' start an
// escape, so that prod#1.db opened (and made) prod instead.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Close stops the checkpointer and closes both pools; the last connection
// to close checkpoints what is left in the WAL.
func (db *DB) Close() error {
	err := errors.Join(db.ckpt.close(), db.scan.Close(), db.r.Close(), db.w.Close())
	if db.serverLock != nil {
		// Last: a server started meanwhile finds the database closed.
		err = errors.Join(err, db.serverLock.Close())
	}
	return err
}

// Ping checks that every pool answers a query.
func (db *DB) Ping(ctx context.Context) error {
	for _, p := range []*pool{db.w, db.r, db.scan} {
		var one int
		if err := p.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("sqlite: ping: %w", err)
		}
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity_check and foreign_key_check,
// compares the event and label counters with the events and
// enrollments they count, the enrollments' labels
// with their documents and enrollment_name_words with their names, and
// returns an error describing any problem found.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("sqlite: integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("sqlite: integrity check: %s", res)
	}
	rows, err := db.r.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("sqlite: foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("sqlite: foreign key check found violations")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// The event counters equal the events they count.
	var wrong int
	err = db.r.QueryRowContext(ctx, `WITH
		counted AS (SELECT workspace_id, COALESCE(instance_id, '') AS instance_id, type, COUNT(*) AS n FROM events GROUP BY 1, 2, 3),
		kept AS (SELECT workspace_id, instance_id, type, n FROM event_counts)
		SELECT (SELECT COUNT(*) FROM (SELECT * FROM counted EXCEPT SELECT * FROM kept))
			+ (SELECT COUNT(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM counted))`).Scan(&wrong)
	if err != nil {
		return fmt.Errorf("sqlite: event counters check: %w", err)
	}
	if wrong > 0 {
		return fmt.Errorf("sqlite: %d event counters differ from the events", wrong)
	}
	// The labels column holds what the documents hold (labels.go): a
	// label missing from it would hide the enrollment from its filter.
	var id string
	err = db.r.QueryRowContext(ctx, `SELECT id FROM enrollments WHERE labels IS NOT `+labelsOfDoc+` LIMIT 1`).Scan(&id)
	if err == nil {
		return fmt.Errorf("sqlite: the labels of enrollment %s differ from its document", id)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: labels check: %w", err)
	}
	// enrollment_name_words holds the later words of the names
	// (namewords.go): a word missing would hide the enrollment from q.
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT enrollment_id, word, workspace_id, instance_id FROM enrollment_name_words EXCEPT SELECT * FROM (`+laterNameWords+`)))
		+ (SELECT COUNT(*) FROM (SELECT * FROM (`+laterNameWords+`) EXCEPT SELECT enrollment_id, word, workspace_id, instance_id FROM enrollment_name_words))`).Scan(&wrong)
	if err != nil {
		return fmt.Errorf("sqlite: name words check: %w", err)
	}
	if wrong > 0 {
		return fmt.Errorf("sqlite: %d rows of enrollment_name_words differ from the enrollments' names", wrong)
	}
	// The label counters equal the enrollments they count (labelcount.go).
	if err := db.r.QueryRowContext(ctx, labelCountsDiffer).Scan(&wrong); err != nil {
		return fmt.Errorf("sqlite: label counters check: %w", err)
	}
	if wrong > 0 {
		return fmt.Errorf("sqlite: %d label counters differ from the enrollments", wrong)
	}
	return nil
}

// Tx is a write transaction with the time every row it writes carries. It
// may share its SQLite transaction with other writes (see write), each in
// a savepoint: it must never be committed or rolled back but by write.
type Tx struct {
	*sql.Tx
	ctx context.Context
	db  *DB
	now time.Time
	// stmts holds the transaction's forms of the writer's cached
	// statements, shared by the writes of a group; see stmt.
	stmts map[string]*sql.Stmt
}

// exec runs a statement in the transaction.
func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	res, err := tx.ExecContext(tx.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return res, nil
}

// querier is what both a transaction and a read pool offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
