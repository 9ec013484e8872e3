package postgres_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/postgres"
	"github.com/enrollhq/enroll/postgres/pgtest"
	"github.com/enrollhq/enroll/rules"
	"github.com/jackc/pgx/v5"
)

// BenchmarkListScale times the lists the scale audit found slow on
// PostgreSQL (docs/benchmarks.md, session 14): status filters no index
// orders, tag/manufacturer/group filters, q, deep offsets of enrollments
// and events, and customers by updatedAt. ENROLL_BENCH_LIST_URL names a
// database loaded beforehand (the session's had 500,000 enrollments and
// 1.2M events); without it, a new one gets listScaleRows enrollments made
// in SQL. The workspace and instance listed are those holding the most
// enrollments.
func BenchmarkListScale(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("ENROLL_BENCH_LIST_URL")
	if url == "" {
		url = pgtest.NewDatabase(b)
	}
	db, err := postgres.Open(ctx, postgres.Config{URL: url, Engine: rules.New()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	if os.Getenv("ENROLL_BENCH_LIST_URL") == "" {
		fillListScale(b, ctx, db, conn)
	}
	var ws, inst string
	if err := conn.QueryRow(ctx, `SELECT workspace_id, instance_id FROM enrollment_counts
		GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1`).Scan(&ws, &inst); err != nil {
		b.Fatal(err)
	}
	lp := func(sort string, page int) enroll.ListParams {
		return enroll.ListParams{Sort: sort, Page: page, PerPage: 50}
	}
	st := func(s ...enroll.Status) []enroll.Status { return s }
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
	}{
		{"default", enroll.EnrollmentFilter{ProgramInstanceID: inst}},
		{"status=eligible", enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusEligible)}},
		{"status=approved&sort=updatedAt", enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusApproved), ListParams: lp(enroll.SortUpdatedAsc, 0)}},
		{"status=approved&sort=lastName", enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusApproved), ListParams: lp(enroll.SortLastName, 0)}},
		{"status=paused,unenrolled", enroll.EnrollmentFilter{ProgramInstanceID: inst, Statuses: st(enroll.StatusPaused, enroll.StatusUnenrolled)}},
		{"ws/status=approved", enroll.EnrollmentFilter{Statuses: st(enroll.StatusApproved)}},
		{"tag=vip", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "vip"}},
		{"tag=nope", enroll.EnrollmentFilter{ProgramInstanceID: inst, Tag: "nope"}},
		{"manufacturerSlug=tesla", enroll.EnrollmentFilter{ProgramInstanceID: inst, ManufacturerSlug: "tesla"}},
		{"groupId=g1", enroll.EnrollmentFilter{ProgramInstanceID: inst, GroupID: "g1"}},
		{"ws/tag=vip", enroll.EnrollmentFilter{Tag: "vip"}},
		{"q=zoe", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "zoe"}},
		{"q=zimm", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "zimm"}},
		{"q=ref1-12345", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "ref1-12345"}},
		{"q=qqqq", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "qqqq"}},
		{"ws/q=zoe", enroll.EnrollmentFilter{Q: "zoe"}},
		// One in 7 last names is van der <name>: der and the name are
		// later words (migration 22).
		{"q=der", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "der"}},
		{"q=van der zimm", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "van der zimm"}},
		{"q=zoe der zimmer", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "zoe der zimmer"}},
		{"q=derx", enroll.EnrollmentFilter{ProgramInstanceID: inst, Q: "derx"}},
		{"page=5000", enroll.EnrollmentFilter{ProgramInstanceID: inst, ListParams: lp("", 5000)}},
		{"ws/page=5000", enroll.EnrollmentFilter{ListParams: lp("", 5000)}},
	} {
		b.Run("enrollments/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.ListEnrollments(ctx, ws, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("events/page=5000", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ListEvents(ctx, ws, enroll.EventFilter{ListParams: lp("", 5000)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name string
		p    enroll.ListParams
	}{{"default", lp("", 0)}, {"sort=updatedAt", lp(enroll.SortUpdatedAsc, 0)}, {"sort=-updatedAt", lp(enroll.SortUpdatedDesc, 0)}, {"page=5000", lp("", 5000)}} {
		b.Run("customers/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.ListCustomers(ctx, ws, enroll.CustomerFilter{ListParams: c.p}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listScaleRows is how many enrollments (and customers; events, twice as
// many) BenchmarkListScale makes when given no database.
const listScaleRows = 100000

// fillListScale makes the rows of BenchmarkListScale in SQL, shaped as
// the store writes them, with the audit's spread: mostly eligible and
// ineligible, 14% submitted, a few hundred of the rarer statuses updated
// last, 0-3 of 8 tags, names from short lists, one in 7 last names of
// three words (van der Zimmer).
func fillListScale(b *testing.B, ctx context.Context, db *postgres.DB, conn *pgx.Conn) {
	b.Helper()
	ws := &enroll.Workspace{ID: enroll.NewID(), Name: "bench"}
	key, _ := enroll.NewAPIKey(ws.ID, "bench", nil, nil, time.Now())
	must(0, db.CreateWorkspace(ctx, ws, key))
	a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
	p := &enroll.Program{Slug: "solar", Name: "Solar"}
	must(0, db.CreateProgram(ctx, a, p))
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "i1", Name: "I1", Status: enroll.InstanceActive}
	must(0, db.CreateInstance(ctx, a, inst))
	n := listScaleRows
	for _, q := range []string{
		`CREATE TEMP TABLE g AS SELECT g, (g::bigint * 7919) % $1 AS r,
			(ARRAY['Zoe','Émile','Ann','Bob','Carl','Dana','Eve','Fay','Gus','Hal','Ivy','Jon','Kim'])[1 + g % 13] AS first,
			CASE WHEN g % 7 = 0 THEN 'van der ' ELSE '' END ||
				(ARRAY['Östberg','Zimmer','Smith','Jones','Brown','Lee','Garcia','Miller','Davis','Wilson','Moore'])[1 + (g / 13) % 11] AS last,
			ARRAY(SELECT t FROM unnest(ARRAY['vip','solar','battery','ev','lowincome','senior','rural','urban']) WITH ORDINALITY u(t, o)
				WHERE ((g::bigint * 7 + o * 13) * 2654435761 % 1000003) % 10 < 2) AS tags,
			ARRAY(SELECT m FROM unnest(ARRAY['tesla','enphase','lg','sunpower','solaredge','generac']) WITH ORDINALITY u(m, o)
				WHERE ((g::bigint * 11 + o * 17) * 69069 % 1000003) % 6 = 0) AS mans,
			timestamptz '2026-01-01' + g * interval '10 seconds' AS created
			FROM generate_series(1, $1::int) g`,
		`ALTER TABLE g ADD status text, ADD upd timestamptz, ADD email text`,
		`UPDATE g SET status = CASE WHEN r < 200 THEN 'approved' WHEN r < 260 THEN 'paused' WHEN r < 300 THEN 'unenrolled'
			WHEN r % 100 < 14 THEN 'submitted' WHEN r % 100 < 44 THEN 'ineligible' ELSE 'eligible' END,
			upd = CASE WHEN r < 300 THEN timestamptz '2026-11-01' + r * interval '1 minute' ELSE created END,
			email = lower(first || '.' || last || '.' || g || '@example.com')`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, n)
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO customers (workspace_id, id, email_norm, reference_id, doc, created_at, updated_at)
			SELECT $1, 'cu' || g, email, 'REF1-' || g, jsonb_build_object('id', 'cu' || g, 'email', email, 'firstName', first,
				'lastName', last, 'referenceId', 'REF1-' || g, 'metadata', '{}'::jsonb, 'createdAt', created, 'updatedAt', upd),
				created, created + (g % 1000) * interval '1 hour' FROM g`,
		`INSERT INTO enrollments (workspace_id, id, instance_id, customer_id, status, email_norm, reference_id, first_name, last_name, doc, version, created_at, updated_at)
			SELECT $1, 'en' || g, $2, 'cu' || g, status, email, 'REF1-' || g, lower(first), lower(last),
				jsonb_build_object('id', 'en' || g, 'programInstanceId', $2::text, 'customerId', 'cu' || g, 'identificationType', 'customerInfo',
					'firstName', first, 'lastName', last, 'email', email, 'referenceId', 'REF1-' || g, 'tags', to_jsonb(tags),
					'manufacturerSlugs', to_jsonb(mans), 'groupIds', '[]'::jsonb, 'metadata', '{}'::jsonb, 'devices', '[]'::jsonb,
					'parameters', '[]'::jsonb, 'address', jsonb_build_object('state', 'NY', 'postalCode', '10001'),
					'eligibility', jsonb_build_object('status', status, 'reason', 'r', 'programInstanceId', $2::text),
					'createdAt', created, 'updatedAt', upd),
				2, created, upd FROM g`,
		`INSERT INTO enrollment_counts (workspace_id, instance_id, status, n)
			SELECT $1, $2, status, count(*) FROM g GROUP BY status
			ON CONFLICT (workspace_id, instance_id, status) DO UPDATE SET n = excluded.n`,
		`INSERT INTO events (id, workspace_id, type, object_id, instance_id, doc, created_at, dispatched, dispatch_seq)
			SELECT 'ev' || g || '-' || k, $1, 'enrollment.updated', 'en' || g, $2,
				jsonb_build_object('id', 'ev' || g || '-' || k, 'type', 'enrollment.updated', 'data', jsonb_build_object('id', 'en' || g,
					'firstName', first, 'lastName', last, 'email', email, 'tags', to_jsonb(tags))),
				created, true, nextval('events_dispatch_seq') FROM g, generate_series(1, 2) k`,
		`INSERT INTO event_counts (workspace_id, instance_id, type, shard, n)
			SELECT $1, $2, 'enrollment.updated', 0, count(*) FROM events WHERE workspace_id = $1 AND instance_id = $2`,
	} {
		args := []any{ws.ID, inst.ID}
		if !strings.Contains(q, "$2") {
			args = args[:1]
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
}
