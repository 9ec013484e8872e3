package main

import (
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

// A backend is a database Enroll runs on. Each lives in a file of its own
// (backend_sqlite.go, backend_postgres.go) and registers itself in backends.
type backend interface {
	// label is the database's name in the report ("SQLite").
	label() string
	// probe says whether the database can be used in a run with o: nil
	// when it can, else why not. A run leaves out a backend it was not
	// asked for by name when probe fails (outside CI).
	probe(ctx context.Context, o options) error
	// create makes a new, empty database (in dir when it lives in files)
	// and returns its DSN.
	create(ctx context.Context, o options, dir string) (dsn string, err error)
	// drop deletes a database create made, unless it lives in the run's
	// directory, which the run removes itself.
	drop(ctx context.Context, o options, dsn string) error
	// describe returns a line on the database's settings for the report.
	describe(ctx context.Context, dsn string) (string, error)
	// bulkMode names the durability open relaxes for loading.
	bulkMode() string
	// open opens the store on dsn, applying migrations. bulk relaxes
	// durability, for loading only; the served store never has it.
	open(ctx context.Context, dsn string, bulk bool) (enroll.Store, error)
	// clone adds n enrollments to instance inst by copying the template
	// enrollments and their customers with fresh ids, emails and times,
	// and keeps the instance's counters right. It calls keep with each new
	// id. It bypasses the store: loading a million rows through
	// CreateEnrollment takes longer than the whole run may.
	clone(ctx context.Context, dsn, inst string, templates []string, n int, keep func(id string)) error
	// settle makes what loading wrote durable and the planner's view of it
	// current, so that neither happens during the measured runs.
	settle(ctx context.Context, dsn string) error
	// count counts the enrollments of inst in status from the rows
	// themselves, not from the counters totalItems comes from.
	count(ctx context.Context, dsn, inst string, status enroll.Status) (int, error)
	// dbCPU returns a function that reads the CPU time each of the
	// database's own processes serving dsn has used so far, or nil when
	// the database runs inside the server process (its CPU is the
	// server's).
	dbCPU(dsn string) func() (procTimes, error)
}

// backends are the databases by name; each registers itself from its file.
var backends = map[string]backend{}

// template is an enrollment the store created, with its customer: what
// the backends' clones copy.
type template struct {
	id, customerID string
	status         enroll.Status
	e              enroll.Enrollment
	c              enroll.Customer
}

// procTimes is the CPU time (user + system) used so far by each of a set of
// processes, by pid.
type procTimes map[int]time.Duration

// since returns the CPU time the processes of t used after those of
// earlier: a process new in t counts from zero; one gone from t (it exited
// in between) is lost, which a connection pool that keeps its connections
// makes rare.
func (t procTimes) since(earlier procTimes) time.Duration {
	var d time.Duration
	for pid, v := range t {
		d += v - earlier[pid]
	}
	return d
}
