package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
)

func init() { backends["postgres"] = postgresBackend{} }

// postgresBackend is Enroll's PostgreSQL store. Each run creates databases
// of its own on the server options.Postgres names and drops them at the
// end; a DSN is a database's URL.
type postgresBackend struct{}

// defaultPostgres is the server a run uses when no variable names one: the
// local server with trust authentication, as the store's tests use it.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// postgresFromEnv returns the server the store's tests use
// (ENROLL_TEST_POSTGRES_URL, else ENROLL_TEST_POSTGRES, else the local
// server), and whether a variable named it.
func postgresFromEnv() (string, bool) {
	for _, k := range []string{"ENROLL_TEST_POSTGRES_URL", "ENROLL_TEST_POSTGRES"} {
		if v := os.Getenv(k); v != "" {
			return v, true
		}
	}
	return defaultPostgres, false
}

func (postgresBackend) label() string { return "PostgreSQL" }

// probe connects to the server. A smoke run outside CI leaves PostgreSQL
// out unless a variable or -postgres names a server, so `go test` on a
// machine without one stays quick and quiet.
func (postgresBackend) probe(ctx context.Context, o options) error {
	if o.Smoke && !o.PostgresSet && os.Getenv("CI") != "true" {
		return errors.New("ENROLL_TEST_POSTGRES is not set (CI sets it; -postgres URL names a server too)")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgConnect(ctx, o.Postgres)
	if err != nil {
		return fmt.Errorf("not reachable at %s: %w", redact(o.Postgres), err)
	}
	return conn.Close(ctx)
}

// pgDatabases numbers the databases of a run.
var pgDatabases atomic.Int64

// create makes an empty database enroll_bench_<pid>_<n> on the server.
func (postgresBackend) create(ctx context.Context, o options, _ string) (string, error) {
	name := fmt.Sprintf("enroll_bench_%d_%d", os.Getpid(), pgDatabases.Add(1))
	if err := pgAdmin(ctx, o.Postgres, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("postgres: create database: %w", err)
	}
	u, err := url.Parse(o.Postgres)
	if err != nil {
		return "", fmt.Errorf("postgres: server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// drop drops the database, closing what still connects to it.
func (postgresBackend) drop(ctx context.Context, o options, dsn string) error {
	name, err := pgDatabase(dsn)
	if err != nil {
		return err
	}
	if err := pgAdmin(ctx, o.Postgres, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("postgres: drop database %s: %w", name, err)
	}
	return nil
}

// pgAdmin runs one statement on the server's own database.
func pgAdmin(ctx context.Context, server, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgConnect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// pgConnect opens one connection to dsn, which may carry pgxpool's own
// parameters (pool_max_conns, ...): the served store reads them, and a
// plain pgx connection would pass them to the server, which refuses them.
func pgConnect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

// pgPoolSize is the pool the served store opens on dsn: its pool_max_conns,
// else pgxpool's default.
func pgPoolSize(dsn string) int32 {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return int32(max(4, runtime.NumCPU()))
	}
	return cfg.MaxConns
}

// pgDatabase returns the database name of a URL.
func pgDatabase(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	return strings.TrimPrefix(u.Path, "/"), nil
}

// redact returns a URL without its password, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// withParam returns dsn with a run-time parameter set for its sessions
// (pgx passes query parameters it does not know to the server).
func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func (postgresBackend) describe(ctx context.Context, dsn string) (string, error) {
	conn, err := pgConnect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	var version string
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	var settings []string
	for _, name := range []string{"shared_buffers", "synchronous_commit", "fsync", "wal_level", "max_connections"} {
		var v string
		if err := conn.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v); err != nil {
			return "", fmt.Errorf("postgres: %s: %w", name, err)
		}
		settings = append(settings, name+"="+v)
	}
	where := "on another host"
	if loopback(conn.Config().Host) {
		where = fmt.Sprintf("on the same machine (sharing its %d CPUs with the servers and the load generator)", runtime.NumCPU())
	}
	return fmt.Sprintf("PostgreSQL %s %s, as configured there (%s); a database of the run's own, dropped after it; "+
		"Enroll opens it as `enroll serve` does: a pool of %d connections (pgxpool's default here, unless the URL's pool_max_conns says otherwise), statement_timeout 30s",
		strings.Fields(version)[0], where, strings.Join(settings, ", "), pgPoolSize(dsn)), nil
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" || strings.HasPrefix(host, "/") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// open opens the store as `enroll serve` does, or with
// synchronous_commit=off for loading: a load that dies is simply rerun.
func (postgresBackend) open(ctx context.Context, dsn string, bulk bool) (enroll.Store, error) {
	if bulk {
		dsn = withParam(dsn, "synchronous_commit", "off")
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: dsn, Engine: rules.New()})
	if err != nil {
		return nil, err
	}
	return db, nil
}

func (postgresBackend) bulkMode() string { return "synchronous_commit=off" }

// settle brings the planner's statistics and the visibility map up to date
// (what autovacuum would do in the middle of a run otherwise) and writes
// the dirty buffers out with a checkpoint, where the server allows it.
func (postgresBackend) settle(ctx context.Context, dsn string) error {
	conn, err := pgConnect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("postgres: settle: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) enrollments, customers, enrollment_counts`); err != nil {
		return fmt.Errorf("postgres: vacuum: %w", err)
	}
	var pe *pgconn.PgError
	if _, err := conn.Exec(ctx, `CHECKPOINT`); err != nil && !(errors.As(err, &pe) && pe.Code == "42501") {
		return fmt.Errorf("postgres: checkpoint: %w", err)
	}
	return nil
}

func (postgresBackend) count(ctx context.Context, dsn, inst string, status enroll.Status) (int, error) {
	conn, err := pgConnect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("postgres: count: %w", err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT COUNT(*) FROM enrollments WHERE instance_id = $1 AND status = $2`, inst, string(status)).Scan(&n)
	return n, err
}

// dbCPU reads the CPU time of the server's processes working for the
// database: its backends, whose process titles name it ("postgres: user
// database host(port) state"), and autovacuum on it. Only for a server
// on this machine.
func (postgresBackend) dbCPU(dsn string) func() (procTimes, error) {
	u, err := url.Parse(dsn)
	name, _ := pgDatabase(dsn)
	if err != nil || name == "" || !loopback(u.Hostname()) {
		return nil
	}
	return func() (procTimes, error) { return pgProcesses(" " + name + " ") }
}
