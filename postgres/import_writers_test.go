package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// TestImportWritersBoundLocks runs six imports of 1,000 new people each at
// once, on a pool of eight connections, and watches the advisory locks the
// database holds: with two import writers (Config.ImportWriters), no more
// than two chunks' email locks are ever held at once, where one chunk per
// pool connection would hold six thousand, a step towards filling the
// server's lock table for every session. Every import still completes.
func TestImportWritersBoundLocks(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 8, ImportWriters: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, inst := importInstance(t, db)
	const imports, rows = 6, 1000

	watch, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	stop, most := make(chan struct{}), make(chan int)
	go func() {
		held := 0
		defer func() { most <- held }()
		for {
			var n int
			if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
				t.Error(err)
				return
			}
			held = max(held, n)
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	jobs := make([]*enroll.Import, imports)
	errs := make([]error, imports)
	for i := range imports {
		var file strings.Builder
		file.WriteString("firstName,lastName,email\n")
		for j := range rows {
			fmt.Fprintf(&file, "Ann,Writer%d,ann.%d.%d@example.com\n", j, i, j)
		}
		wg.Go(func() {
			dec := must(enroll.NewRowDecoder(enroll.FormatCSV, strings.NewReader(file.String())))
			im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV}
			if errs[i] = db.CreateImport(ctx, a, im); errs[i] == nil {
				jobs[i], errs[i] = enroll.RunImport(ctx, db, a, im, dec, 0)
			}
		})
	}
	wg.Wait()
	close(stop)
	held := <-most
	for i, err := range errs {
		if err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
		if j := jobs[i]; j.Status != enroll.ImportSucceeded || j.CreatedCount != rows {
			t.Errorf("import %d: %s, %d created, want succeeded with %d", i, j.Status, j.CreatedCount, rows)
		}
	}
	// Each chunk holds its rows' email locks and a few of its instance's.
	if limit := 2 * (rows + 10); held > limit {
		t.Errorf("%d advisory locks held at once, want at most %d: two chunks' locks", held, limit)
	}
	t.Logf("at most %d advisory locks held at once", held)
}
