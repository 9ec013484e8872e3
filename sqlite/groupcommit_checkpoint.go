package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// checkpointEvery is how often at most the WAL is checkpointed while
// writes commit. SQLite's own automatic checkpoint (every 1,000 WAL pages)
// ran inside the writer's commit, a tenth of a create's CPU on the one
// path all writes share. At a few hundred creates a second, this keeps
// the WAL near the size that automatic checkpoint let it reach (4 MB),
// and a page written by many commits in between is copied once.
const checkpointEvery = 250 * time.Millisecond

// checkpointer copies committed WAL frames into the database file on a
// connection of its own, in the background: the writer connection runs
// with wal_autocheckpoint(0). A PASSIVE checkpoint never blocks the writer
// or the readers; frames a reader still needs wait for the next one.
// Durability does not depend on it: a commit is durable once its frames
// are synced to the WAL.
type checkpointer struct {
	db       *sql.DB
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// startCheckpointer opens the checkpointer's connection to path and starts
// it.
func startCheckpointer(path, synchronous string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, synchronous, "deferred", false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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
		var busy, log, copied int
		// Errors are not fatal: the frames stay in the WAL for the next
		// checkpoint, or for the one SQLite makes when the last
		// connection closes.
		_ = c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// close stops the checkpointer and closes its connection; it may be
// called again, as DB.Close may.
func (c *checkpointer) close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
