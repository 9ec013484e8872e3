package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often at most the WAL is checkpointed while
// writes commit. SQLite's own automatic checkpoint (every 1,000 WAL pages)
// ran inside the writer's commit, a tenth of a create's CPU on the one
// path all writes share. At a few hundred creates a second, this keeps
// the WAL near the size that automatic checkpoint let it reach (4 MB),
// and a page written by many commits in between is copied once.
const checkpointEvery = 250 * time.Millisecond

// restartFrames is the size of the WAL, in frames, above which the writer
// completes a background checkpoint between two commit groups (restartWAL),
// so that the next commit writes the WAL from its start again. Under a
// steady stream of writes a background checkpoint never catches up with
// the writer, and SQLite restarts the WAL only once one has: the WAL grew
// for as long as writes came (700 MB in ten seconds of creates; 240 MB
// after 25,000 imported rows, on course for 9 GB at a million), and
// appending to a file costs about 1.6 times overwriting it. Each restart
// holds the writer for a few milliseconds (its checkpoint's fsync): at
// 1,000 frames that came four times a second under load, and doubled the
// p99 of creates in BenchmarkCreateEnrollmentConcurrent; 4,096 (a 16 MB
// WAL) and 16,000 did not differ from each other.
const restartFrames = 4096

// walSizeLimit is the journal_size_limit of the writer: when the WAL
// restarts, a file left larger (by a burst while a long read kept it from
// restarting) is truncated to this size.
const walSizeLimit = 64 << 20

// checkpointer copies committed WAL frames into the database file on a
// connection of its own, in the background: the writer connection runs
// with wal_autocheckpoint(0). A PASSIVE checkpoint never blocks the writer
// or the readers; frames a reader still needs wait for the next one.
// Durability does not depend on it: a commit is durable once its frames
// are synced to the WAL.
type checkpointer struct {
	db       *sql.DB
	file     *os.File
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	every    time.Duration // checkpointEvery, but in tests
	// restartAt is restartFrames, but in tests.
	restartAt int
	// restart is set when a checkpoint left the WAL larger than
	// restartFrames; see restartDue. frames is the size of the WAL, in
	// frames, that the last checkpoint found.
	restart atomic.Bool
	frames  atomic.Int64
}

// startCheckpointer opens the checkpointer's connection to path and starts
// it.
func startCheckpointer(path, synchronous string, every time.Duration, restartAt int) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, synchronous, "deferred", false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	// The database file, for fsync only; see checkpoint.
	file, err := os.Open(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	c := &checkpointer{db: db, file: file, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), every: every, restartAt: restartAt}
	go c.run()
	return c, nil
}

// committed tells the checkpointer that a commit added frames to the WAL.
// It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.checkpoint()
		select {
		case <-c.stop:
			return
		case <-time.After(c.every):
		}
	}
}

// checkpoint copies the WAL into the database file, syncs it, and when
// the WAL has grown past restartFrames leaves the writer to restart it
// (restartDue).
func (c *checkpointer) checkpoint() {
	var busy, log, copied int
	// Errors are not fatal: the frames stay in the WAL for the next
	// checkpoint, or for the one SQLite makes when the last connection
	// closes.
	err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
	if err != nil || busy != 0 {
		return
	}
	c.frames.Store(int64(log))
	if copied > 0 {
		// A checkpoint that does not reach the WAL's end (the writer
		// committed meanwhile) leaves the pages it copied unsynced, for
		// the one that does to sync: that is the writer's (restartWAL),
		// which every write waits for. Syncing here leaves it its own
		// few pages to sync.
		_ = c.file.Sync()
	}
	// When readers held frames back (copied < log), a restart could not
	// happen anyway.
	if log > c.restartAt && copied == log {
		c.restart.Store(true)
	}
}

// restartDue reports, once, whether a checkpoint left the WAL larger than
// restartFrames: the writer is then to call restartWAL.
func (c *checkpointer) restartDue() bool { return c.restart.CompareAndSwap(true, false) }

// restartWAL checkpoints, on the writer connection w and between two commit
// groups, the frames committed while the background checkpoint ran. The
// WAL is then wholly in the database file, and the next commit writes it
// from its beginning again. Readers that still need older frames can keep
// it from doing so; the next checkpoint tries again. It holds the writer
// for the copy of those frames and an fsync: 2–15 ms under load here.
func (c *checkpointer) restartWAL(w *sql.DB) {
	var busy, log, copied int
	// Errors are not fatal: the WAL goes on growing until a later try.
	_ = w.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
}

// close stops the checkpointer and closes its connection; it may be
// called again, as DB.Close may.
func (c *checkpointer) close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return errors.Join(c.db.Close(), c.file.Close())
}
