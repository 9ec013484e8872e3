package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// TestScanPool holds every connection of one pool and checks that the
// lists of the other still run: a tag or q list (or an export's) does not
// wait for the read pool, nor a plain list for the scan pool; and that
// each does wait for its own (it is read there).
func TestScanPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "enroll.db"), Engine: rules.New(), Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "scan"}
	key, _ := enroll.NewAPIKey(ws.ID, "scan", nil, nil, time.Now())
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	plain := enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusApproved}}
	scanned := []enroll.EnrollmentFilter{{Tag: "vip"}, {Q: "zo", Statuses: []enroll.Status{enroll.StatusApproved}}, {NoTotal: true}}
	list := func(f enroll.EnrollmentFilter, wait time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		_, err := db.ListEnrollments(ctx, ws.ID, f)
		return err
	}
	hold := func(p *pool, n int) func() {
		var release []func() error
		for range n {
			c, err := p.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			release = append(release, c.Close)
		}
		return func() {
			for _, r := range release {
				r()
			}
		}
	}
	release := hold(db.r, 2)
	for _, f := range scanned {
		if err := list(f, 10*time.Second); err != nil {
			t.Errorf("%+v with the read pool held: %v", f, err)
		}
	}
	if err := list(plain, 100*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a plain list with the read pool held: %v, want it to wait", err)
	}
	release()
	release = hold(db.scan, scanReaders(2))
	defer release()
	if err := list(plain, 10*time.Second); err != nil {
		t.Errorf("a plain list with the scan pool held: %v", err)
	}
	for _, f := range scanned {
		if err := list(f, 100*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%+v with the scan pool held: %v, want it to wait", f, err)
		}
	}
}
