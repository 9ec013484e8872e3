package postgres

import (
	"context"
	"database/sql"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/enrollhq/enroll"
)

// Setting returns the value of a session setting on one of db's pooled
// connections, so tests can see what Config set.
func Setting(ctx context.Context, db *DB, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}

// MaxConns returns the size of db's pool.
func MaxConns(db *DB) int32 { return db.pool.Config().MaxConns }

// EnrollmentListQuery returns the query ListEnrollments runs for the
// first page of f in workspace wsID, and its arguments; few says the
// counters found few rows of f's statuses. q's later-word matches are
// read on conn, as the store reads them.
func EnrollmentListQuery(ctx context.Context, conn *pgx.Conn, wsID string, f enroll.EnrollmentFilter, few bool) (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	c, err := f.Normalize(enroll.EnrollmentSorts, enroll.HashFilter(f))
	if err != nil {
		return "", nil, err
	}
	later, err := laterMatches(ctx, conn, wsID, f.Q, laterFew)
	if err != nil {
		return "", nil, err
	}
	w := enrollmentWhere(wsID, f, few, later)
	q, err := pageQuery("enrollments", &w, f.ListParams, c, true)
	return q, w.args, err
}

// EnrollmentCountQuery returns the query ListEnrollments counts f's
// enrollments in workspace wsID with (when no counter answers it), and
// its arguments, q's later-word matches read on conn.
func EnrollmentCountQuery(ctx context.Context, conn *pgx.Conn, wsID string, f enroll.EnrollmentFilter) (string, []any, error) {
	later, err := laterMatches(ctx, conn, wsID, f.Q, laterFew)
	if err != nil {
		return "", nil, err
	}
	w := enrollmentWhere(wsID, f, false, later)
	return "SELECT COUNT(*) FROM enrollments WHERE " + w.sql(), w.args, nil
}

// CustomerListQuery returns the query ListCustomers runs for the first
// page of f in workspace wsID, and its arguments.
func CustomerListQuery(wsID string, f enroll.CustomerFilter) (string, []any, error) {
	c, err := f.Normalize([]string{enroll.SortCreatedDesc, enroll.SortCreatedAsc, enroll.SortUpdatedAsc, enroll.SortUpdatedDesc}, 0)
	if err != nil {
		return "", nil, err
	}
	w := customerWhere(wsID, f)
	q, err := pageQuery("customers", &w, f.ListParams, c, false)
	return q, w.args, err
}

// EnrollmentListReplans reports whether ListEnrollments has its queries
// for f planned for their arguments at every run.
func EnrollmentListReplans(wsID string, f enroll.EnrollmentFilter) bool {
	return enrollmentWhere(wsID, f, false, nil).replan
}

// EventListQuery returns the query ListEvents runs for the first page of
// f in workspace wsID, and its arguments.
func EventListQuery(wsID string, f enroll.EventFilter) (string, []any, error) {
	c, err := f.Normalize([]string{sortSeqDesc}, 0)
	if err != nil {
		return "", nil, err
	}
	w, err := eventListWhere(wsID, f, c)
	if err != nil {
		return "", nil, err
	}
	q, err := pageQuery("events", &w, f.ListParams, c, false)
	return q, w.args, err
}

// EventAfterQueries returns the queries ListEvents runs for f after the
// event dispatched as after in workspace wsID: the page's, and the one
// that counts the events dispatched after it, each with its arguments.
func EventAfterQueries(wsID string, f enroll.EventFilter, after int64) (query string, qargs []any, count string, cargs []any) {
	if f.PerPage == 0 {
		f.PerPage = enroll.DefaultPerPage
	}
	q, c := eventAfterQuery(wsID, f, after), eventCountIn(wsID, f, after, math.MaxInt64)
	return q.text, q.args, c.text, c.args
}

// EventHeadQuery is the query that finds a workspace's last published
// event, which ?after= backlogs run to.
const EventHeadQuery = eventHeadQuery

// FirstUndispatched is the query DispatchEvents polls with.
const FirstUndispatched = firstUndispatched

// ForgetBacklogs empties db's memory of ?after= counts, so that the next
// poll counts its backlog whole, as every poll did before it was kept.
func ForgetBacklogs(db *DB) { db.backlogs = enroll.Backlogs{} }

// ClaimFront and ClaimByEndpoint are the queries ClaimWebhookDeliveries
// picks deliveries with, and ClaimLease the one it leases them with.
var ClaimFront, ClaimByEndpoint, ClaimLease = claimFront, claimByEndpoint, claimLease

// ClaimByEndpointPlanner is the planner setting ClaimByEndpoint runs under.
const ClaimByEndpointPlanner = claimByEndpointPlanner

// HoldClaim runs ClaimWebhookDeliveries' claim in a transaction it leaves
// open, as a replica's claim is between its leases and their commit, so
// that a test can claim beside it; commit ends it.
func HoldClaim(ctx context.Context, db *DB, lease time.Duration, limit, perEndpoint, perWorkspace int) (jobs []*enroll.WebhookJob, commit func() error, err error) {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, nil, err
	}
	t := &tx{Tx: ptx, ctx: ctx, db: db, now: db.clock.Now()}
	if jobs, err = t.claim(lease, limit, perEndpoint, perWorkspace); err != nil {
		_ = ptx.Rollback(ctx)
		return nil, nil, err
	}
	return jobs, func() error { return ptx.Commit(ctx) }, nil
}

// ImportPlanWrites plans rows as one planned run of an import into the
// instance instanceID and writes that plan twice, with multi-row INSERTs
// and with COPY, each in a transaction rolled back. It returns what each
// wrote: the rows of every table a run writes to, as JSON, in seq order
// where there is one (seq itself left out, as the shards of counters).
func ImportPlanWrites(ctx context.Context, db *DB, a enroll.Actor, instanceID string, rows []*enroll.ImportRow) (insert, copied []string, err error) {
	var plan *enroll.ImportPlan
	for _, write := range []func(*tx, *enroll.ProgramInstance) ([]string, error){
		func(t *tx, inst *enroll.ProgramInstance) ([]string, error) {
			return t.planWrites(func() error { return t.insertImportPlan(inst, plan) })
		},
		func(t *tx, inst *enroll.ProgramInstance) ([]string, error) {
			return t.planWrites(func() error { return t.copyImportPlan(inst, plan) })
		},
	} {
		ptx, err := db.pool.Begin(ctx)
		if err != nil {
			return nil, nil, err
		}
		defer ptx.Rollback(ctx)
		t := &tx{Tx: ptx, ctx: ctx, db: db, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		inst, err := findInstance(ctx, t, a.WorkspaceID, instanceID, "")
		if err != nil {
			return nil, nil, err
		}
		if plan == nil {
			pl := &enroll.ImportPlanner{Actor: a, Instance: inst, Engine: db.engine, Now: t.now}
			lookup, err := t.importLookup(pl, rows)
			if err != nil {
				return nil, nil, err
			}
			if plan, err = pl.Plan(ctx, rows, lookup); err != nil {
				return nil, nil, err
			}
		}
		out, err := write(t, inst)
		if err != nil {
			return nil, nil, err
		}
		if insert == nil {
			insert = out
		} else {
			copied = out
		}
		if err := ptx.Rollback(ctx); err != nil {
			return nil, nil, err
		}
	}
	return insert, copied, nil
}

// planWrites runs write, flushes the counters and returns the rows of
// the tables an import run writes to.
func (t *tx) planWrites(write func() error) ([]string, error) {
	if err := write(); err != nil {
		return nil, err
	}
	if err := t.flushCounts(); err != nil {
		return nil, err
	}
	var out []string
	for _, q := range []string{
		`SELECT to_jsonb(x) FROM customers x ORDER BY id`,
		`SELECT to_jsonb(x) FROM enrollments x ORDER BY id`,
		`SELECT to_jsonb(x) FROM enrollment_unique_values x ORDER BY enrollment_id, external_id`,
		`SELECT to_jsonb(x) - 'seq' FROM status_changes x ORDER BY seq`,
		`SELECT to_jsonb(x) - 'seq' FROM events x ORDER BY seq`,
		`SELECT to_jsonb(x) FROM enrollment_counts x ORDER BY workspace_id, instance_id, status`,
		`SELECT jsonb_build_array(workspace_id, instance_id, type, sum(n)) FROM event_counts GROUP BY workspace_id, instance_id, type ORDER BY 1`,
		`SELECT jsonb_build_array(workspace_id, sum(n)) FROM customer_counts GROUP BY workspace_id ORDER BY 1`,
	} {
		rows, err := t.Query(t.ctx, q)
		if err != nil {
			return nil, err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		out = append(out, q)
		out = append(out, got...)
	}
	return out, nil
}

// The queries an import's look-ups run: a planned run's, by the keys of
// its rows ($2 or $3 and $4 arrays), and a row's on the way one by one.
const (
	LookupOpenReferences, LookupOpenEmails, LookupCustomers, LookupUniqueHolders = lookupOpenReferences, lookupOpenEmails, lookupCustomers, lookupUniqueHolders
	OpenByReference, OpenByCustomer, EnrolledElsewhere                           = openByReference, openByCustomer, enrolledElsewhere
	PriorOf                                                                      = priorOf
)

// OpenByEmail is a row's look-up of an open enrollment holding its email,
// and a create's.
var OpenByEmail = openByEmail

// OpenOfConvertedLeads is a create's look-up of the open enrollment of
// its customer's leads.
var OpenOfConvertedLeads = openOfConvertedLeads

// InsertEnrollmentRow is a create's insert, which checks that look-up too.
var InsertEnrollmentRow = insertEnrollmentRow

// LockEmails takes the email locks (first key EmailLock) of the emails a
// batch of creates or an import chunk's rows may enroll; LockLeadEmail
// and LockCustomerEmail the one of a create by leadId or customerId.
var LockEmails, LockLeadEmail, LockCustomerEmail = lockEmails, lockLeadEmail, lockCustomerEmail

// EmailLock is the first key of an email's lock in an instance.
const EmailLock = emailLock

// NameKeysVersion is the migration that recomputes the names' keys.
const NameKeysVersion = nameKeysVersion

// OpenLeadVersion is the migration that widens the leads' open-enrollment index.
const OpenLeadVersion = openLeadVersion

// UniqueValuesVersion is the migration that registers the values of
// unique parameters held unregistered.
const UniqueValuesVersion = uniqueValuesVersion

// RekeyNames is migration 19's work with key, in tx.
func RekeyNames(ctx context.Context, tx *sql.Tx, key func(string) string) error {
	return rekeyNames(key)(ctx, tx)
}

// MigrateTo applies or rolls back the migrations of the database at url
// up to version.
func MigrateTo(ctx context.Context, url string, version int64) error {
	return MigrateLogged(ctx, url, version, uniqueChunk, slog.Default())
}

// MigrateLogged is MigrateTo with the migration registering unique values
// doing so chunk enrollments a transaction, and warning to log.
func MigrateLogged(ctx context.Context, url string, version int64, chunk int, log *slog.Logger) error {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	p, err := providerOf(db, false, goMigrationsWith(uniqueRegistration{chunk: chunk, log: log}))
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// SetLaterFew sets the most later-word matches of a word of q that db
// names by id: 0 reads them all through the later words' index.
func SetLaterFew(db *DB, n int) { db.laterFew = n }

// SetExpiryBatch sets how many rows of a table one transaction of
// DeleteExpiredEvents deletes at most, so that a test crosses batches.
func SetExpiryBatch(n int) { expiryBatch = n }
