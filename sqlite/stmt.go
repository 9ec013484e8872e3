package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds a statement cache: list queries are built from the
// filters a request sets, so their texts are many; the hot ones are few.
const maxCachedStmts = 256

// stmtCache keeps prepared statements by query text. modernc.org/sqlite
// parses and plans every statement run with Exec or Query, which was about
// a fifth of the CPU time of an enrollment create (docs/benchmarks.md).
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	// wanted holds queries missed inside a write transaction. The writer
	// pool has one connection, which the transaction holds, so preparing on
	// the pool then would wait for ever; they are prepared after the commit.
	wanted map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns the cached statement for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// get returns the statement for query, preparing it on a miss; nil when the
// cache is full or preparing fails, so the caller runs the query unprepared.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if s := c.lookup(query); s != nil {
		return s
	}
	c.mu.Lock()
	full := len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if full {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[query]; prev != nil {
		// Another caller prepared it meanwhile.
		s.Close()
		return prev
	}
	c.stmts[query] = s
	return s
}

// want records a query missed inside a transaction, for prepareWanted.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = true
	}
	c.mu.Unlock()
}

// prepareWanted prepares the queries missed by transactions; called with
// no transaction open on the caller's side.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range queries {
		c.get(ctx, q)
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}

// pool is a connection pool whose queries go through a statement cache.
type pool struct {
	*sql.DB
	stmts *stmtCache
}

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: newStmtCache(db)} }

// QueryContext runs query with a cached prepared statement.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmts.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with a cached prepared statement.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmts.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// ExecContext runs query with a cached prepared statement.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmts.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

// Close closes the cached statements, then the pool.
func (p *pool) Close() error {
	p.stmts.close()
	return p.DB.Close()
}

// stmt returns the transaction's form of the writer's cached statement for
// query, or nil after recording the miss. The forms are kept for the
// transaction's other writes: database/sql makes a new one at each call,
// and keeps them all until the commit.
func (tx *Tx) stmt(query string) *sql.Stmt {
	if s := tx.stmts[query]; s != nil {
		return s
	}
	s := tx.db.w.stmts.lookup(query)
	if s == nil {
		tx.db.w.stmts.want(query)
		return nil
	}
	// The context only fetches the connection, which the transaction holds.
	ts := tx.Tx.StmtContext(context.Background(), s)
	if tx.stmts != nil {
		tx.stmts[query] = ts
	}
	return ts
}

// uninterruptible returns the context a statement of the transaction runs
// with: ctx without its cancellation, and false when ctx has ended. The
// driver interrupts a statement whose context ends, and SQLite answers an
// interrupted write by rolling back the whole transaction, which may hold
// other callers' work (see write); so a caller's cancellation stops its
// statements before they start, never while they run.
func uninterruptible(ctx context.Context) (context.Context, bool) {
	if ctx.Err() != nil {
		return ctx, false
	}
	return context.WithoutCancel(ctx), true
}

// QueryContext runs query in the transaction, prepared once per writer.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, live := uninterruptible(ctx)
	if !live {
		// database/sql answers the context's error without running query.
		return tx.Tx.QueryContext(ctx, query, args...)
	}
	if s := tx.stmt(query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction, prepared once per writer.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, live := uninterruptible(ctx)
	if !live {
		return tx.Tx.QueryRowContext(ctx, query, args...)
	}
	if s := tx.stmt(query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// ExecContext runs query in the transaction, prepared once per writer.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, live := uninterruptible(ctx)
	if !live {
		return tx.Tx.ExecContext(ctx, query, args...)
	}
	if s := tx.stmt(query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}
