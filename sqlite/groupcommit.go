package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/enrollhq/enroll"
)

// Bounds of a commit group. A group stops taking waiting writes when it
// holds maxGroupCalls of them or has run for maxGroupWork, so the first
// write of a group waits for about that much of others' work at most
// before its commit. Groups share more than the fsync: creates write
// many of the same pages, so 32 concurrent creates wrote 9 WAL pages
// each instead of 43 alone. A create's own work is about 1 ms here.
const (
	maxGroupCalls = 64
	maxGroupWork  = 10 * time.Millisecond
)

// groupSavepoint isolates each write of a group; the name is the
// package's own, so a write's savepoints never release it by mistake.
const groupSavepoint = "enroll_write"

// groupCommitter queues write transactions for group commit. The commit,
// with its fsync under synchronous=FULL, is the largest single cost of a
// small write, and SQLite has one writer: the writes waiting for the
// writer run one after another in one SQLite transaction, each in its own
// savepoint, and share one commit.
//
// There is no writer goroutine: the caller that finds no group running
// leads one (so a lone write runs at once, on its own goroutine), and
// hands the lead to the first waiting caller when its group has committed.
//
// A long write (an import batch: writeLong) only ever runs first in its
// group: a group reaching one in the queue commits before it, and hands it
// the lead. Taken into a group behind other writes, it held their commit
// for as long as it ran, so that a create waited for the batch in flight
// when it came and then for the next one too (BenchmarkCreateDuringImport).
type groupCommitter struct {
	mu      sync.Mutex
	queue   []*writeCall
	leading bool // a leader runs a group; only it uses the writer

	// maxCalls and maxWork bound a group; 0 means maxGroupCalls and
	// maxGroupWork. Tests change them while no write runs.
	maxCalls int
	maxWork  time.Duration
	// groups and calls count the groups run and the calls they ran, and
	// busy the nanoseconds the writer spent running them, for tests and
	// benchmarks.
	groups, calls, busy atomic.Int64
}

// writeCall is one caller's write transaction.
type writeCall struct {
	ctx context.Context
	fn  func(tx *Tx) error
	// wake receives true when the call is to lead the next group, or false
	// when its outcome below is set. It is buffered: senders never block.
	wake chan bool
	// leads is set, under the committer's lock, when the call was woken to
	// lead: it then stays queued even when its context ends.
	leads bool

	err      error
	panicked bool
	panicVal any
	// done is set once fn's work is in the transaction: the call succeeds
	// if and only if its group then commits.
	done bool
	// long marks a long write, which runs first in its group (writeLong).
	long bool
}

// write runs fn in a write transaction and returns once that transaction
// has committed or fn's work was undone. When ctx carries an idempotency
// claim, the transaction also marks it committed (commitClaim), so the
// work and its claim commit together.
//
// fn may run in the same SQLite transaction as other callers' fns, in a
// savepoint of its own, and on another goroutine: an error from fn (or
// from the claim) rolls back only fn's work and is returned to this caller
// only, a panic in fn is re-raised here, and success is returned only
// after the commit (synchronous=FULL) that made fn's work durable. When
// the commit fails, every write of the group gets the error. fn must run
// its statements through tx (never through db.w, nor db.write: the
// writer is taken), must not defer constraint checks to the commit
// (defer_foreign_keys), which would fail the whole group, and is never
// retried.
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.enqueue(&writeCall{ctx: ctx, fn: fn, wake: make(chan bool, 1)})
}

// writeLong is write for a write that holds the writer long (an import
// batch, a third of a second): it runs first in its group, never behind
// other writes that would otherwise wait for it to commit, so a write
// waiting for the writer waits for one long write at most.
func (db *DB) writeLong(ctx context.Context, fn func(tx *Tx) error) error {
	return db.enqueue(&writeCall{ctx: ctx, fn: fn, wake: make(chan bool, 1), long: true})
}

// enqueue runs c as write describes.
func (db *DB) enqueue(c *writeCall) error {
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		lead = g.await(c)
	}
	if lead {
		db.runGroup(c)
	}
	if c.panicked {
		panic(c.panicVal)
	}
	return diskFull(c.err)
}

// await waits until c's outcome is set, or c is to lead the next group
// (true). A call whose context ends while it waits in the queue leaves
// it; once taken into a group, it waits for the group's outcome, which a
// short write reaches sooner than a caller would notice.
func (g *groupCommitter) await(c *writeCall) bool {
	select {
	case lead := <-c.wake:
		return lead
	case <-c.ctx.Done():
	}
	g.mu.Lock()
	if i := slices.Index(g.queue, c); i >= 0 && !c.leads {
		g.queue = slices.Delete(g.queue, i, i+1)
		g.mu.Unlock()
		c.err = fmt.Errorf("sqlite: begin: %w", c.ctx.Err())
		return false
	}
	g.mu.Unlock()
	return <-c.wake
}

// next takes the first waiting call, or returns nil; with joining (the
// group has calls already) also when that call is a long write, which
// leads a group of its own.
func (g *groupCommitter) next(joining bool) *writeCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 || joining && g.queue[0].long {
		return nil
	}
	c := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	return c
}

// waiting reports whether writes wait for the writer: a long write
// running may then end its transaction early (ImportPrepared).
func (g *groupCommitter) waiting() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue) > 0
}

// handOff gives the lead to the first waiting call, or ends leading.
func (g *groupCommitter) handOff() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.leading = false
		g.queue = nil // drop the backing array a burst grew
		return
	}
	c := g.queue[0]
	c.leads = true
	c.wake <- true
}

// runGroup leads one group, whose first call is self (the leader's own,
// first in the queue): it runs waiting calls until the group is full or
// the queue is empty, commits once, sets every call's outcome, wakes the
// others and hands the lead on.
func (db *DB) runGroup(self *writeCall) {
	g := &db.group
	var (
		group []*writeCall
		sqltx *sql.Tx
		began = time.Now()
	)
	defer func() {
		// Whatever happens, even a panic outside any fn, every call of the
		// group gets an outcome and the lead moves on: otherwise every
		// write to come would wait for ever.
		v := recover()
		if v != nil {
			if sqltx != nil {
				_ = sqltx.Rollback()
			}
			err := fmt.Errorf("sqlite: write group panicked: %v", v)
			for _, c := range group {
				if c.done || c.err == nil {
					c.done, c.err = false, err
				}
			}
		}
		g.groups.Add(1)
		g.calls.Add(int64(len(group)))
		for _, c := range group {
			if c != self {
				c.wake <- false
			}
		}
		if v == nil {
			// Statements first missed inside the transaction are prepared
			// now that the writer connection is free; and the WAL is
			// restarted when it has grown.
			db.w.stmts.prepareWanted(context.Background())
			if db.ckpt.restartDue() {
				db.ckpt.restartWAL(db.w.DB)
			}
		}
		g.busy.Add(int64(time.Since(began)))
		g.handOff()
		if v != nil {
			panic(v)
		}
	}()
	// The transaction outlives any one caller: a caller's cancellation
	// must not roll back (database/sql does when BeginTx's context ends)
	// the work of the others.
	sqltx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		// Only the leader's own call fails; the next leader tries again.
		c := g.next(false)
		c.err = fmt.Errorf("sqlite: begin: %w", err)
		group = append(group, c)
		return
	}
	maxCalls, maxWork := cmp.Or(g.maxCalls, maxGroupCalls), cmp.Or(g.maxWork, maxGroupWork)
	start, work := time.Now(), false
	stmts := map[string]*sql.Stmt{}
	for len(group) < maxCalls && (len(group) == 0 || time.Since(start) < maxWork) {
		c := g.next(len(group) > 0)
		if c == nil {
			break
		}
		group = append(group, c)
		if err := db.runCall(sqltx, stmts, c, !work); err != nil {
			// The transaction is gone: rolled back for the first call with
			// work, or by SQLite itself (as on some I/O errors or a full
			// disk) with the work of the calls before.
			_ = sqltx.Rollback()
			sqltx = nil
			failDone(group, fmt.Errorf("sqlite: write rolled back with its group: %w", err))
			return
		}
		work = work || c.done
	}
	tx := sqltx
	sqltx = nil // committed or rolled back below, even if that panics
	db.commitGroup(tx, group)
}

// commitGroup commits the group's transaction, or rolls it back when no
// call has work in it, and fails every call that had succeeded when the
// commit fails.
func (db *DB) commitGroup(sqltx *sql.Tx, group []*writeCall) {
	if !slices.ContainsFunc(group, func(c *writeCall) bool { return c.done }) {
		_ = sqltx.Rollback()
		return
	}
	if err := sqltx.Commit(); err != nil {
		failDone(group, fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	db.ckpt.committed()
}

// failDone gives err to the calls of group that had succeeded.
func failDone(group []*writeCall, err error) {
	for _, c := range group {
		if c.done {
			c.done, c.err = false, err
		}
	}
}

// runCall runs c's fn, and the commit of its idempotency claim, in sqltx
// (whose statements so far are stmts), and sets c's outcome as far as it is known before the commit. The first
// call with work in the transaction (first) runs bare, as savepoints cost
// a copy of each page they change (about 5% of a create's CPU): when it
// fails, the whole transaction is to be rolled back, and runCall returns
// its error. Later calls run in savepoints, so their failures are theirs
// alone; runCall then returns an error only when the transaction is lost.
func (db *DB) runCall(sqltx *sql.Tx, stmts map[string]*sql.Stmt, c *writeCall, first bool) error {
	if err := c.ctx.Err(); err != nil {
		c.err = fmt.Errorf("sqlite: begin: %w", err)
		return nil
	}
	tx := &Tx{Tx: sqltx, ctx: c.ctx, db: db, now: db.clock.Now(), stmts: stmts}
	if first {
		if c.err = c.run(tx); c.err != nil {
			return c.err
		}
		c.done = true
		return nil
	}
	if err := tx.savepoint(`SAVEPOINT ` + groupSavepoint); err != nil {
		c.err = err
		return err
	}
	err := c.run(tx)
	if err == nil {
		if err := tx.savepoint(`RELEASE ` + groupSavepoint); err != nil {
			c.err = err
			return err
		}
		c.done = true
		return nil
	}
	c.err = err
	// ROLLBACK TO also cancels the savepoints fn left open; RELEASE then
	// removes the group's own, leaving the transaction as before fn.
	if rerr := tx.savepoint(`ROLLBACK TO ` + groupSavepoint); rerr != nil {
		return errors.Join(err, rerr)
	}
	if rerr := tx.savepoint(`RELEASE ` + groupSavepoint); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

// run calls fn and commits the call's idempotency claim, turning a panic
// into an error here and a panic again on the caller's goroutine.
func (c *writeCall) run(tx *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			c.panicked, c.panicVal = true, v
			err = fmt.Errorf("sqlite: write panicked: %v", v)
		}
	}()
	if err := c.fn(tx); err != nil {
		return err
	}
	// A caller gone before its commit gets its work undone, as when its
	// context rolled a transaction of its own back; fn may have seen its
	// statements refused and carried on.
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if claim := enroll.IdempotencyClaimFromContext(c.ctx); claim != nil {
		return tx.commitClaim(claim)
	}
	return nil
}

// savepoint runs a savepoint statement, which must not be interrupted:
// it is what keeps the other calls' work safe.
func (tx *Tx) savepoint(query string) error {
	if _, err := tx.ExecContext(context.Background(), query); err != nil {
		return fmt.Errorf("sqlite: %s: %w", query, err)
	}
	return nil
}
