package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// usableBackends returns the backends of o that can be used, and a line
// for each one left out. A backend that cannot be used fails the run when
// -backends named it or in CI (CI=true), where a figure must not go
// missing unnoticed.
func usableBackends(ctx context.Context, o options) (names, skipped []string, err error) {
	for _, name := range o.Backends {
		b := backends[name]
		perr := b.probe(ctx, o)
		switch {
		case perr == nil:
			names = append(names, name)
		case o.BackendsSet || os.Getenv("CI") == "true":
			return nil, nil, fmt.Errorf("%s: %w", b.label(), perr)
		default:
			skipped = append(skipped, fmt.Sprintf("%s left out: %v", b.label(), perr))
		}
	}
	if len(names) == 0 {
		return nil, nil, errors.New("no database to run on")
	}
	return names, skipped, nil
}

// runBackend measures every workload at each size on a fresh database of
// backend name. first says it is the run's first backend, whose first
// phase also measures the baselines that do not depend on the data.
func runBackend(ctx context.Context, o options, name, dir string, first bool, rep *report, logf func(string, ...any)) (err error) {
	b := backends[name]
	bdir := filepath.Join(dir, name)
	if err := os.MkdirAll(bdir, 0o755); err != nil {
		return err
	}
	dsn, err := b.create(ctx, o, bdir)
	if err != nil {
		return err
	}
	if o.Keep {
		logf("%s database kept: %s", b.label(), redact(dsn))
	} else {
		defer func() {
			// Dropped even when the run was interrupted.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			err = errors.Join(err, b.drop(dctx, o, dsn))
		}()
	}
	desc, err := b.describe(ctx, dsn)
	if err != nil {
		return err
	}
	rep.addDatabase(b.label() + ": " + desc)
	ds, template, err := load(ctx, o, b, dsn, bdir, rep, logf)
	if err != nil {
		return err
	}
	labels := []string{"small", "large"}
	if o.Large == o.Small {
		labels = labels[:1]
	}
	for i, label := range labels {
		if i == 1 {
			if err := grow(ctx, o, b, dsn, ds, rep, logf); err != nil {
				return err
			}
		}
		ph, err := newPhase(ctx, o, b, name, dsn, ds, name+"-"+label, template)
		if err != nil {
			return err
		}
		if err := runPhase(ctx, o, ph, bdir, first && i == 0, rep, logf); err != nil {
			return err
		}
	}
	return nil
}
