package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

// TestImportDeadlocks runs two imports of the same leadId rows at once,
// in opposite orders, and creates of the same leads while they run, and
// checks that the database detected no deadlock (pg_stat_database, read
// once the store's connections are closed and have reported their
// statistics); a deadlock is retried, but costs deadlock_timeout and
// redoes a chunk. Each row, as each create, locks its lead, then inserts
// under its email's lock: two chunks that took the emails' locks as they
// came would take them in opposite orders, and a create that took its
// email's only then would wait for a chunk that holds the email and
// waits for its lead. So a chunk locks its rows' emails up front, in one
// order, and a create its own before it locks the lead (instanceForWrite).
// Every lead is enrolled once.
func TestImportDeadlocks(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	open := true
	t.Cleanup(func() {
		if open {
			db.Close()
		}
	})
	a, first := importInstance(t, db)
	const n = 50 // one chunk of rows imported one by one (importChunk)
	for round := range 3 {
		inst := &enroll.ProgramInstance{ProgramID: first.ProgramID, Slug: fmt.Sprintf("round-%d", round), Name: "Round", Status: enroll.InstanceActive}
		must(0, db.CreateInstance(ctx, a, inst))
		rows := make([]string, n)
		leads := make([]*enroll.Lead, n)
		for i := range leads {
			leads[i] = &enroll.Lead{Email: fmt.Sprintf("lead.%d.%d@example.com", round, i)}
			must(0, db.CreateLead(ctx, a, leads[i]))
			rows[i] = `{"identificationType":"leadId","leadId":"` + leads[i].ID + `"}` + "\n"
		}
		reversed := slices.Clone(rows)
		slices.Reverse(reversed)
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			jobs    [2]*enroll.Import
			errs    [2]error
			mu      sync.Mutex
			created int
		)
		for i, file := range []string{strings.Join(rows, ""), strings.Join(reversed, "")} {
			wg.Go(func() {
				<-start
				dec := must(enroll.NewRowDecoder(enroll.FormatNDJSON, strings.NewReader(file)))
				im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatNDJSON}
				if errs[i] = db.CreateImport(ctx, a, im); errs[i] == nil {
					jobs[i], errs[i] = enroll.RunImport(ctx, db, a, im, dec, 0)
				}
			})
		}
		close(start)
		// The creates come while the imports run, the last leads first.
		for i := n - 1; i >= 0; i -= 4 {
			time.Sleep(2 * time.Millisecond)
			wg.Go(func() {
				_, err := db.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: leads[i].ID})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					created++
				} else if enroll.ErrorCode(err) != enroll.ECONFLICT {
					t.Errorf("create of lead %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		for i, im := range jobs {
			if errs[i] != nil || im.Status != enroll.ImportSucceeded || im.FailedRows != 0 || im.CreatedCount+im.SkippedCount != n {
				t.Fatalf("round %d, import %d = %+v, %v", round, i, im, errs[i])
			}
		}
		if got := jobs[0].CreatedCount + jobs[1].CreatedCount + created; got != n {
			t.Fatalf("round %d: %d created by the imports, %d by creates; want %d in all", round, jobs[0].CreatedCount+jobs[1].CreatedCount, created, n)
		}
		if counts := must(db.CountEnrollments(ctx, a.WorkspaceID, inst.ID)); counts[enroll.StatusCandidate] != n {
			t.Fatalf("round %d: counts %v, want %d candidates", round, counts, n)
		}
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
	db.Close()
	open = false

	// A backend reports its statistics when it exits, a little after its
	// connection is closed.
	conn := connect(t, url)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var others int
		must(0, conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others))
		if others == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends of the store still running", others)
		}
	}
	var deadlocks int64
	must(0, conn.QueryRow(ctx, `SELECT pg_stat_clear_snapshot()`).Scan(nil))
	must(0, conn.QueryRow(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&deadlocks))
	if deadlocks != 0 {
		t.Fatalf("the database detected %d deadlocks", deadlocks)
	}
}

// TestEmailLockOrder checks that lockEmails takes its locks in the order
// of their keys: in its plan, custom or generic, for a few emails and for
// a chunk's worth, the node that calls pg_advisory_xact_lock has the sort
// below it, not above. PostgreSQL computes a volatile function of the
// output after the ORDER BY's sort; were it computed below, each chunk
// would lock its emails in the order of its file.
func TestEmailLockOrder(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	a, inst := importInstance(t, openDB(t, url))
	conn := connect(t, url)
	ctx := context.Background()
	type node struct {
		Type   string   `json:"Node Type"`
		Output []string `json:"Output"`
		Plans  []node   `json:"Plans"`
	}
	// locker returns the node that takes the locks, and whether a sort is
	// above it; sorted, whether one is below.
	var locker func(n node, sortAbove bool) (*node, bool)
	locker = func(n node, sortAbove bool) (*node, bool) {
		sortAbove = sortAbove || strings.HasSuffix(n.Type, "Sort")
		if slices.ContainsFunc(n.Output, func(o string) bool { return strings.Contains(o, "pg_advisory_xact_lock(") }) {
			return &n, sortAbove
		}
		for _, c := range n.Plans {
			if l, above := locker(c, sortAbove); l != nil {
				return l, above
			}
		}
		return nil, false
	}
	var sorted func(n node) bool
	sorted = func(n node) bool {
		return strings.HasSuffix(n.Type, "Sort") || slices.ContainsFunc(n.Plans, sorted)
	}
	for _, n := range []int{3, 1000} {
		emails := make([]string, n)
		for i := range emails {
			emails[i] = fmt.Sprintf("person.%d@example.com", n-i)
		}
		args := []any{postgres.EmailLock, inst.ID, a.WorkspaceID, emails, []string{"l1"}, []string{"c1"}, []string{"e1"}}
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			must(conn.Exec(ctx, "SET plan_cache_mode = "+mode))
			var text string
			must(0, conn.QueryRow(ctx, "EXPLAIN (VERBOSE, FORMAT JSON) "+postgres.LockEmails, args...).Scan(&text))
			var out []struct{ Plan node }
			if err := json.Unmarshal([]byte(text), &out); err != nil || len(out) != 1 {
				t.Fatalf("EXPLAIN: %v\n%s", err, text)
			}
			l, above := locker(out[0].Plan, false)
			if l == nil || above || !sorted(*l) {
				t.Errorf("%d emails, %s: the locks are not taken after the sort:\n%s", n, mode, text)
			}
		}
	}
}
