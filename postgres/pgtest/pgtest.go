// Package pgtest gives tests a fresh, empty PostgreSQL database on the
// server named by ENROLL_TEST_POSTGRES_URL (default: the local server with
// trust authentication), dropped when the test ends.
package pgtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
)

// DefaultURL is the server tests use when ENROLL_TEST_POSTGRES_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns the URL of the server tests create databases on.
func ServerURL() string {
	for _, k := range []string{"ENROLL_TEST_POSTGRES_URL", "ENROLL_TEST_POSTGRES"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return DefaultURL
}

// NewDatabase creates an empty database for t and returns its URL. When no
// server answers it skips t, except in CI (CI=true), where it fails.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is not reachable (set ENROLL_TEST_POSTGRES_URL): %v", err)
		}
		t.Skipf("PostgreSQL is not reachable (set ENROLL_TEST_POSTGRES_URL): %v", err)
	}
	defer conn.Close(ctx)
	name := "enroll_t_" + strings.ToLower(enroll.NewID()[8:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("ENROLL_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
