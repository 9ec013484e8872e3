package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/rules"
	"github.com/enrollhq/enroll/sqlite"
)

// backend opens a fresh store and cleans up after it.
type backend struct {
	name string
	open func(ctx context.Context) (enroll.WebhookStore, func(), error)
}

// backends are SQLite, and PostgreSQL when o names a server.
func backends(o options) []backend {
	out := []backend{{name: "SQLite", open: openSQLite}}
	if o.pgURL != "" {
		out = append(out, backend{name: "PostgreSQL", open: func(ctx context.Context) (enroll.WebhookStore, func(), error) {
			return openPostgres(ctx, o.pgURL)
		}})
	}
	return out
}

// openSQLite opens a store on a new file, as `enroll serve` does
// (synchronous=FULL).
func openSQLite(ctx context.Context) (enroll.WebhookStore, func(), error) {
	dir, err := os.MkdirTemp("", "enroll-bench-webhook-")
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "enroll.db"), Engine: rules.New()})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}

// openPostgres creates a database on the server at base and opens a store
// on it; cleaning up drops it.
func openPostgres(ctx context.Context, base string) (enroll.WebhookStore, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	name := "enroll_bench_wh_" + strings.ToLower(enroll.NewID()[12:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return nil, nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return nil, nil, err
	}
	u.Path = "/" + name
	db, err := postgres.Open(ctx, postgres.Config{URL: u.String(), Engine: rules.New(), MaxConns: 16})
	if err != nil {
		drop()
		return nil, nil, err
	}
	return db, func() { db.Close(); drop() }, nil
}
