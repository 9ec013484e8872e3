package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config configures a DB.
type Config struct {
	// URL is a postgres:// connection URL; TLS and other libpq settings
	// (sslmode, sslrootcert, ...) go in it.
	URL string
	// Clock returns the current time; nil means the system clock.
	Clock enroll.Clock
	// Engine evaluates eligibility rules. Required.
	Engine enroll.RuleEngine
	// MaxConns is the pool size; 0 means pgxpool's default (the URL's
	// pool_max_conns, else the larger of 4 and the number of CPUs).
	MaxConns int32
	// StatementTimeout bounds every statement of the store's sessions; 0
	// means the URL's statement_timeout if it sets one, else 30s; a negative
	// value means none. Migrations, which may build indexes for minutes,
	// run without it (under the URL's own setting, if any).
	StatementTimeout time.Duration
	// Sealer, if set, seals webhook signing secrets before they are
	// written and opens them when read; nil keeps them as they are.
	// Every replica needs the same keys.
	Sealer enroll.SecretSealer
	// ImportWriters is how many import transactions the store runs at
	// once; 0 means DefaultImportWriters. Imports beyond it take turns at
	// their transactions (see importWriters).
	ImportWriters int
}

// DefaultImportWriters is how many import transactions a store runs at
// once when Config leaves ImportWriters 0: as many as the smallest
// default pool (pgxpool's 4), so that concurrent imports on a small
// machine run as before (six imports at once made a median 0.77x the
// rows a second of four on two writers, and 0.91x on eight:
// docs/postgres.md), while a larger pool no longer means more email
// locks held at once.
const DefaultImportWriters = 4

// DefaultStatementTimeout is the statement timeout when Config leaves it 0.
const DefaultStatementTimeout = 30 * time.Second

// maxAttempts bounds how often a transaction aborted by a serialization
// failure or a deadlock is run again before its error is returned.
const maxAttempts = 5

// DB is an enroll.Store on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
	// snapshotSlots bounds the snapshots holding pool's connections.
	snapshotSlots enroll.SnapshotSlots
	clock         enroll.Clock
	engine        enroll.RuleEngine
	// sealer seals webhook signing secrets at rest; nil keeps them plain.
	sealer enroll.SecretSealer
	// backlogs remembers the counts of ?after= polls (listEventsAfter).
	backlogs enroll.Backlogs
	// laterFew is the most later-word matches of a word of q named by id
	// (laterMatches): laterFew, but in tests.
	laterFew int
	// importWriters holds a token for each import transaction running
	// (importChunk). Such a transaction holds an advisory lock for each
	// email of its rows, up to 1,000, and the server's lock table, shared
	// by every session, has room for about 12,000 with the default
	// settings: one per pool connection would let one replica of a pool
	// of a dozen connections fill it, and every session's next lock fail
	// with "out of shared memory" (docs/postgres.md, "The lock table").
	importWriters chan struct{}
}

var _ enroll.Store = (*DB)(nil)

// Open connects to the database at cfg.URL, applies pending migrations
// (under an advisory lock, so replicas starting together take turns) and
// returns a ready store.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL == "" {
		return nil, errors.New("postgres: empty database URL")
	}
	if cfg.Engine == nil {
		return nil, errors.New("postgres: no rule engine")
	}
	if cfg.MaxConns < 0 {
		return nil, errors.New("postgres: negative MaxConns")
	}
	if cfg.ImportWriters < 0 {
		return nil, errors.New("postgres: negative ImportWriters")
	}
	if cfg.ImportWriters == 0 {
		cfg.ImportWriters = DefaultImportWriters
	}
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse URL: %w", err)
	}
	if err := migrate(ctx, pcfg.ConnConfig.Copy()); err != nil {
		return nil, err
	}
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	params := pcfg.ConnConfig.RuntimeParams
	switch t := cfg.StatementTimeout; {
	case t < 0:
		params["statement_timeout"] = "0"
	case t > 0:
		params["statement_timeout"] = strconv.FormatInt(max(t.Milliseconds(), 1), 10)
	case params["statement_timeout"] == "":
		params["statement_timeout"] = strconv.FormatInt(DefaultStatementTimeout.Milliseconds(), 10)
	}
	// A transaction left idle (its replica frozen: a paused VM, a stopped
	// process, a network partition the server has not noticed) is ended
	// as a statement running as long would be: it may hold the dispatch
	// lock, which stops every replica's webhooks and ?after= polls, or a
	// workspace's claim lock or an enrollment's row. None of the store's
	// transactions waits that long between statements.
	if params["idle_in_transaction_session_timeout"] == "" {
		params["idle_in_transaction_session_timeout"] = params["statement_timeout"]
	}
	if params["application_name"] == "" {
		params["application_name"] = "enroll"
	}
	if params["jit"] == "" {
		// Every query here reads a few index entries, but the planner's
		// estimate for some (a webhook claim's walk of a large backlog)
		// passes jit_above_cost, and compiling them took a second where
		// running them took milliseconds (TestClaimBacklogNotJITCompiled).
		params["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: pool: %w", err)
	}
	db := &DB{pool: pool, clock: cfg.Clock, engine: cfg.Engine, sealer: cfg.Sealer, laterFew: laterFew,
		importWriters: make(chan struct{}, cfg.ImportWriters)}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool's connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers. The pool replaces broken
// connections, so Ping fails while the database is down and succeeds again
// once it is back, without reopening the store. A pooled connection whose
// session was lost (terminated by an administrator, a pooler or a
// failover that is over) fails its ping and is dropped; pgxpool checks
// only connections idle for a second before handing them out, so after
// such a cut every connection of a busy pool may fail once. Ping then
// tries again, at most once per connection the pool may hold, for as
// long as pings fail on connections lost rather than on new ones: the
// database answers if a new connection does.
func (db *DB) Ping(ctx context.Context) error {
	err := db.pool.Ping(ctx)
	for tries := db.pool.Config().MaxConns; err != nil && tries > 0 && sessionLost(err) && ctx.Err() == nil; tries-- {
		err = db.pool.Ping(ctx)
	}
	if err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// tx is a write transaction with the time every row it writes carries.
type tx struct {
	pgx.Tx
	ctx context.Context
	db  *DB
	now time.Time
	// deltas are counter changes not yet written (see flushCounts).
	deltas map[countKey]int
	// objects are the ids of the objects inserted, by kind, for an
	// idempotency claim to record (see commitClaim).
	objects map[enroll.ObjectKind]string
}

// lockedAt reads the write's time again once it holds the row lock of the
// object it changes, last changed at updated: the time its transaction
// began with may be from before a write of the object it waited for, and
// would date its updatedAt and events (an enrollment's history entries,
// unenrolledAt) before that write's. Later than updated too, which
// another replica's clock may have set: a change that kept the
// updatedAt it found would read as no change where updatedAt is compared
// (WebhookEndpoint.DisableGone). SQLite's one writer needs none.
func (tx *tx) lockedAt(updated time.Time) {
	tx.now = tx.db.clock.Now()
	if !tx.now.After(updated) {
		tx.now = updated.Truncate(time.Microsecond).Add(time.Microsecond)
	}
}

// write runs fn in a READ COMMITTED transaction and commits it if fn returns
// nil. When ctx carries an idempotency claim, the transaction also marks it
// committed (commitClaim), so the work and its claim commit together.
// Correctness comes from row locks, constraints and conditional
// updates, not the isolation level; a transaction the database aborts as a
// serialization failure or deadlock (rare at READ COMMITTED, usual on
// engines that run everything SERIALIZABLE) is run again from the start, so
// fn must not keep state between attempts.
func (db *DB) write(ctx context.Context, fn func(tx *tx) error) error {
	return retry(ctx, func() error {
		ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
		if err != nil {
			return fmt.Errorf("postgres: begin: %w", err)
		}
		t := &tx{Tx: ptx, ctx: ctx, db: db, now: db.clock.Now()}
		if err := fn(t); err != nil {
			_ = ptx.Rollback(ctx)
			return err
		}
		if err := t.flushCounts(); err != nil {
			_ = ptx.Rollback(ctx)
			return err
		}
		if c := enroll.IdempotencyClaimFromContext(ctx); c != nil {
			if err := t.commitClaim(c); err != nil {
				_ = ptx.Rollback(ctx)
				return err
			}
		}
		if err := ptx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: commit: %w", err)
		}
		return nil
	})
}

// read runs fn in a read-only REPEATABLE READ transaction, so the several
// queries of one read (a page and its total) see one snapshot.
func (db *DB) read(ctx context.Context, fn func(q pgx.Tx) error) error {
	if tx := snapshotOf(ctx); tx != nil {
		// The snapshot's reads cannot be taken again in a new one.
		return fn(tx)
	}
	return retry(ctx, func() error {
		ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return fmt.Errorf("postgres: begin: %w", err)
		}
		defer ptx.Rollback(ctx)
		if err := fn(ptx); err != nil {
			return err
		}
		if err := ptx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: commit: %w", err)
		}
		return nil
	})
}

// retry runs attempt until it returns an error that is not retryable, or
// maxAttempts times, waiting a little longer (with jitter) after each try.
func retry(ctx context.Context, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if err == nil || !retryable(err) || i == maxAttempts {
			return err
		}
		wait := time.Duration(i*i)*5*time.Millisecond + rand.N(5*time.Millisecond)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// exec runs a statement in the transaction.
func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.Exec(t.ctx, query, args...)
	if err != nil {
		return tag, fmt.Errorf("postgres: %w", err)
	}
	return tag, nil
}

// querier is what both a transaction and the pool offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// utc returns t in UTC: pgx reads timestamptz in the local zone, and the
// domain's values are UTC.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
