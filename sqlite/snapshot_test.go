package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestSnapshotOneReader: on a read pool of one connection a snapshot
// takes none, so that the reads made while it is open (an export's
// look-ups of instances) are not left waiting for it.
func TestSnapshotOneReader(t *testing.T) {
	t.Parallel()
	db, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New(), Readers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A read that waits for the one reader the snapshot holds waits
	// forever: the deadline ends it. Long, as the machine may be loaded;
	// the migrations above are not under it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	snap, release, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := db.ListEnrollments(snap, "ws", enroll.EnrollmentFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindWorkspace(ctx, "nobody"); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Fatalf("a read while the snapshot is open: %v", err)
	}
}
