package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/storetest"
	"github.com/jackc/pgx/v5"
)

// defaultServerURL is the local test server (trust authentication).
const defaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// serverURL returns the URL of the server tests create their databases on.
func serverURL() string {
	for _, k := range []string{"ENROLL_TEST_POSTGRES_URL", "ENROLL_TEST_POSTGRES"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return defaultServerURL
}

var (
	serverOnce sync.Once
	serverErr  error
)

// requireServer skips the test when no PostgreSQL server answers, so `go
// test ./...` passes on a machine without one, except in CI (CI=true),
// which starts one: there a missing server fails the test.
func requireServer(t *testing.T) {
	t.Helper()
	serverOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		serverErr = err
	})
	if serverErr != nil {
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s (set ENROLL_TEST_POSTGRES_URL): %v", redact(serverURL()), serverErr)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// admin runs one statement on the server's maintenance database.
func admin(t *testing.T, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newDatabase creates an empty database, dropped when the test ends, and
// returns its URL.
func newDatabase(t *testing.T) string {
	t.Helper()
	requireServer(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "enroll_test_" + hex.EncodeToString(b)
	admin(t, "CREATE DATABASE "+name)
	t.Cleanup(func() { admin(t, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDatabase(t, serverURL(), name)
}

// migrationHarness returns, for the database at url, a function that
// opens a migrated store on it and one that applies or rolls back
// migrations to a version while no store is open: what the storetest
// migration checks are given.
func migrationHarness(url string) (open func(*testing.T) enroll.Store, migrateTo func(*testing.T, int64)) {
	ctx := context.Background()
	open = func(t *testing.T) enroll.Store {
		s, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	migrateTo = func(t *testing.T, version int64) {
		if err := postgres.MigrateTo(ctx, url, version); err != nil {
			t.Fatal(err)
		}
	}
	return open, migrateTo
}

// waitUntilBlocked returns once a session of the database at url waits
// for a lock: the migration that done reports the end of has reached
// what, held by the test. It fails the test if the migration ends first.
func waitUntilBlocked(t *testing.T, url string, done <-chan error, what string) {
	t.Helper()
	ctx := context.Background()
	watch, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	for waiting := false; !waiting; {
		if err := watch.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the migration did not wait for %s: %v", what, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// withDatabase returns the connection string s pointed at database name.
func withDatabase(t *testing.T, s, name string) string {
	t.Helper()
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return s + " dbname=" + name // keyword/value form
}

// openDB opens a store on url whose integrity is checked when the test ends.
func openDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), postgres.Config{URL: url, Engine: rules.New(), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.IntegrityCheck(context.Background()); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return db
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) enroll.Store { return openDB(t, newDatabase(t)) })
}

func TestStoreRulesChecks(t *testing.T) {
	t.Parallel()
	storetest.ExerciseRulesChecks(t, func(t *testing.T, wrap func(enroll.RuleEngine) enroll.RuleEngine) enroll.Store {
		db, err := postgres.Open(context.Background(), postgres.Config{URL: newDatabase(t), Engine: wrap(rules.New()), MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	for _, c := range []struct {
		cfg     postgres.Config
		timeout string
		conns   int32
	}{
		{postgres.Config{MaxConns: 3}, "30s", 3},
		{postgres.Config{StatementTimeout: 1500 * time.Millisecond, MaxConns: 7}, "1500ms", 7},
		{postgres.Config{StatementTimeout: -1}, "0", 0},
	} {
		c.cfg.URL, c.cfg.Engine = url, rules.New()
		db, err := postgres.Open(ctx, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := must(postgres.Setting(ctx, db, "statement_timeout")); got != c.timeout {
			t.Errorf("statement_timeout = %q, want %q", got, c.timeout)
		}
		if c.conns != 0 && postgres.MaxConns(db) != c.conns {
			t.Errorf("MaxConns = %d, want %d", postgres.MaxConns(db), c.conns)
		}
		db.Close()
	}
	// The URL's own statement_timeout stands when Config leaves it 0.
	db, err := postgres.Open(ctx, postgres.Config{URL: url + "&statement_timeout=4000", Engine: rules.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := must(postgres.Setting(ctx, db, "statement_timeout")); got != "4s" {
		t.Errorf("statement_timeout from the URL = %q, want 4s", got)
	}
	for _, cfg := range []postgres.Config{{URL: url}, {Engine: rules.New()}, {URL: url, Engine: rules.New(), MaxConns: -1}, {URL: "postgres://%zz", Engine: rules.New()}} {
		if db, err := postgres.Open(ctx, cfg); err == nil {
			db.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// TestTimes checks that times come back as they were written: to the
// microsecond, in UTC.
func TestTimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.FixedZone("EST", -5*3600))
	db, err := postgres.Open(context.Background(), postgres.Config{URL: newDatabase(t), Engine: rules.New(), MaxConns: 2,
		Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "times"}
	key, _ := enroll.NewAPIKey(ws.ID, "k", nil, nil, now)
	if err := db.CreateWorkspace(ctx, ws, key); err != nil {
		t.Fatal(err)
	}
	want := now.UTC().Truncate(time.Microsecond)
	got := must(db.FindWorkspace(ctx, ws.ID))
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("createdAt = %v, want %v", got.CreatedAt, want)
	}
	if err := db.TouchAPIKey(ctx, key.ID, now); err != nil {
		t.Fatal(err)
	}
	k := must(db.ListAPIKeys(ctx, ws.ID))[0]
	if !k.LastUsedAt.Equal(want) || k.LastUsedAt.Location() != time.UTC {
		t.Fatalf("lastUsedAt = %v, want %v", k.LastUsedAt, want)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	p := &enroll.Program{Slug: "p", Name: "P"}
	if err := db.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	// A keyset page token carries the time to the microsecond: the next page
	// must start after the row, not at it.
	for range 2 {
		if err := db.CreateProgram(ctx, a, &enroll.Program{Slug: "p" + enroll.NewID()[18:], Name: "P"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	lp := enroll.ListParams{PerPage: 1}
	for {
		pg := must(db.ListPrograms(ctx, ws.ID, enroll.ProgramFilter{ListParams: lp}))
		for _, p := range pg.Data {
			if seen[p.ID] {
				t.Fatalf("program %s listed twice", p.ID)
			}
			seen[p.ID] = true
		}
		if pg.NextPageToken == "" {
			break
		}
		lp.PageToken = string(pg.NextPageToken)
	}
	if len(seen) != 3 {
		t.Fatalf("paged through %d programs, want 3", len(seen))
	}
}

// TestPingRecovers cuts the store off from its database and back through a
// TCP proxy: Ping fails while the database is unreachable and succeeds
// again once it returns, on the same *DB.
func TestPingRecovers(t *testing.T) {
	t.Parallel()
	p, proxied := pgtest.NewProxy(t, newDatabase(t))
	db := openDB(t, proxied)
	ctx := context.Background()
	ping := func() error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return db.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := ping(); err == nil {
		t.Fatal("Ping succeeded with the database unreachable")
	}
	if _, err := db.FindWorkspace(ctx, "x"); enroll.ErrorCode(err) != enroll.EINTERNAL {
		t.Fatalf("FindWorkspace with the database unreachable: %v", err)
	}
	p.Start()
	if err := ping(); err != nil {
		t.Fatalf("Ping after the database returned: %v", err)
	}
	if _, err := db.FindWorkspace(ctx, "x"); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Fatalf("FindWorkspace after the database returned: %v", err)
	}
}

// TestOpenUnreachable checks that Open fails, promptly, when nothing
// listens at the URL.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, postgres.Config{URL: "postgres://postgres@" + addr + "/x?sslmode=disable&connect_timeout=2", Engine: rules.New()})
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded without a server")
	}
	if _, err := postgres.Migrate(ctx, "postgres://postgres@"+addr+"/x?sslmode=disable&connect_timeout=2"); err == nil {
		t.Fatal("Migrate succeeded without a server")
	}
}

// must returns v and fails the calling test's goroutine by panicking when
// err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}
