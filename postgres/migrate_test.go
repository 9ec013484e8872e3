package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// TestMigrateConcurrently opens several stores at once on a new database,
// as replicas starting together would: all succeed, and each migration is
// applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	const n = 4
	errs := make([]error, n)
	dbs := make([]*postgres.DB, n)
	done := make(chan int)
	for i := range n {
		go func() {
			dbs[i], errs[i] = postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New(), MaxConns: 2})
			done <- i
		}()
	}
	for range n {
		i := <-done
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
		} else {
			dbs[i].Close()
		}
	}
	st, err := postgres.Migrate(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatal("no migrations")
	}
	for _, s := range st {
		if !s.Applied || s.Name == "" { // `enroll migrate` prints the name
			t.Errorf("migration %d (%q) not applied, or without a name", s.Version, s.Name)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var applied, distinct int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != len(st) || distinct != len(st) {
		t.Fatalf("goose_db_version has %d rows for %d versions, want %d", applied, distinct, len(st))
	}
}

// TestMigrateRetriesIndexBuild runs migration 11 (and those after it,
// which goose would otherwise find applied out of order, among them
// 13-16's concurrent builds) again over what a failed concurrent build
// leaves behind (an index of the name that is not the one wanted, as an
// invalid index is): the migrations drop it and build the index again,
// and gather the statistics of the indexed expressions.
func TestMigrateRetriesIndexBuild(t *testing.T) {
	t.Parallel()
	url := newDatabase(t)
	ctx := context.Background()
	if _, err := postgres.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		// Rows for ANALYZE to gather statistics of (the keys are not
		// checked as replica).
		`SET session_replication_role = replica`,
		// Their instance, which migration 26's label counters refer to.
		`INSERT INTO program_instances (workspace_id, id, program_id, slug, status, doc, created_at, updated_at)
			VALUES ('w', 'i', 'p', 's', 'active', '{}', now(), now())`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, status, reference_id, doc, version, created_at, updated_at)
			SELECT 'w', 'e' || g, 'i', 'eligible', 'REF-' || g, '{"tags": ["vip"]}', 1, now(), now() FROM generate_series(1, 100) g`,
		`DROP INDEX events_instance`,
		`CREATE INDEX events_instance ON events (type)`,
		`DROP INDEX enrollments_tags`,
		`CREATE INDEX enrollments_tags ON enrollments (status)`,
		// 17 and 26 run in a transaction, which a failure leaves undone.
		`DROP FUNCTION count_customers() CASCADE`,
		`DROP TABLE customer_counts`,
		`DROP FUNCTION count_enrollment_labels() CASCADE`,
		`DROP FUNCTION enrollment_labels(jsonb)`,
		`DROP TABLE enrollment_label_counts`,
		`DELETE FROM goose_db_version WHERE version_id >= 11`, // goose refuses a gap below the latest
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := postgres.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	var def string
	if err := conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'events_instance'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if want := "(workspace_id, instance_id, seq)"; !strings.Contains(def, want) {
		t.Fatalf("events_instance is %s, want it on %s", def, want)
	}
	if err := conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'enrollments_tags'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if want := "gin (((doc -> 'tags'::text)) jsonb_path_ops)"; !strings.Contains(def, want) {
		t.Fatalf("enrollments_tags is %s, want %s", def, want)
	}
	// The expressions' statistics, without which the planner guesses how
	// many rows a filter keeps (pg_stats names them by index).
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(DISTINCT tablename) FROM pg_stats
		WHERE tablename IN ('enrollments_tags', 'enrollments_reference_prefix')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("statistics of %d of the 2 indexed expressions, want both", n)
	}
}
