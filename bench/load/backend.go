package main

import (
	"context"

	"github.com/enrollhq/enroll"
)

// A backend is a database Enroll runs on. Each lives in a file of its own
// (backend_sqlite.go); PostgreSQL will be one more file (issue 3).
type backend interface {
	// create makes a new, empty database under dir and returns its DSN.
	create(ctx context.Context, dir string) (dsn string, err error)
	// open opens the store on dsn, applying migrations. bulk relaxes
	// durability, for loading only; the served store never has it.
	open(ctx context.Context, dsn string, bulk bool) (enroll.Store, error)
	// clone adds n enrollments to instance inst by copying the template
	// enrollments and their customers with fresh ids, emails and times,
	// and keeps the instance's counters right. It calls keep with each new
	// id. It bypasses the store: loading a million rows through
	// CreateEnrollment takes longer than the whole run may.
	clone(ctx context.Context, dsn, inst string, templates []string, n int, keep func(id string)) error
	// count counts the enrollments of inst in status from the rows
	// themselves, not from the counters totalItems comes from.
	count(ctx context.Context, dsn, inst string, status enroll.Status) (int, error)
}

// backends are the databases by name; each registers itself from its file.
var backends = map[string]backend{}
