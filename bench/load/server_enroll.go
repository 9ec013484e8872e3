package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	enrollhttp "github.com/enrollhq/enroll/http"
	"github.com/enrollhq/enroll/sqlite"
)

func init() { roles["enroll"] = serveEnroll }

// serveEnroll is the service under test, as `enroll serve` runs it: the
// store with its production durability, the rules engine, and the HTTP
// server with its middleware. The access log is formatted as in production
// but discarded, so the run measures the service rather than a terminal.
// The per-key rate limit stays off: one key sends all the load.
func serveEnroll(ctx context.Context, args []string) (string, func() error, error) {
	fs := childFlags("enroll")
	name := fs.String("backend", "sqlite", "database")
	dsn := fs.String("dsn", "", "database to serve")
	dataDir := fs.String("data-dir", "", "where uploaded import files wait for their jobs (\"\": the server's default)")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	b := backends[*name]
	if b == nil {
		return "", nil, fmt.Errorf("unknown backend %q", *name)
	}
	if *name == "sqlite" {
		sqlite.RaiseProcs() // as `enroll serve` does
	}
	store, err := b.open(ctx, *dsn, false)
	if err != nil {
		return "", nil, err
	}
	srv := enrollhttp.NewServer(enrollhttp.Config{
		Addr: "127.0.0.1:0", Store: store, Version: "bench",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DataDir: *dataDir,
	})
	if err := srv.Open(); err != nil {
		store.Close()
		return "", nil, err
	}
	return srv.URL(), func() error { return errors.Join(srv.Close(), store.Close()) }, nil
}
