package storetest

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

// UniqueValuesMigration is how MigrateUniqueValues reaches a store's
// database: the migration that registers the values of unique parameters
// held unregistered is a store's own.
type UniqueValuesMigration struct {
	// Open opens a store, migrated, on the one database of the test;
	// the caller closes it.
	Open func(t *testing.T) enroll.Store
	// Down rolls the migration back, on the database while no store is
	// open on it.
	Down func(t *testing.T)
	// Up applies the migration again, as Down, with its warnings to log.
	Up func(t *testing.T, log *slog.Logger)
	// Unregister declares every parameter of the instance unique in its
	// stored document and deletes the rows of the instance's unique
	// values: what a release that registered nothing when an update made
	// a parameter unique left behind. It may run while a store is open.
	Unregister func(t *testing.T, instanceID string)
}

// MigrateUniqueValues checks a store's migration that registers the values
// of unique parameters that open enrollments hold unregistered: after it,
// a new enrollment with such a value is refused (409 naming its holder);
// a value two share goes to the one registered for it already, or else
// to the first by id, and both can still be written; closed enrollments
// hold nothing; instances whose values were registered keep them. Applied
// twice, it changes nothing more.
func MigrateUniqueValues(t *testing.T, m UniqueValuesMigration) {
	s := m.Open(t)
	f := newFixtureOn(t, s)
	params := func(in *enroll.ProgramInstance) {
		in.AutoEvaluate = false
		in.Parameters = []enroll.Parameter{{ExternalID: "acct", Name: "Account", Type: enroll.ParamString},
			{ExternalID: "n", Name: "N", Type: enroll.ParamNumber}}
	}
	withValues := func(acct string, n any) func(*enroll.EnrollmentCreate) {
		return func(c *enroll.EnrollmentCreate) {
			if acct != "" {
				c.Parameters = append(c.Parameters, enroll.ParameterValue{ExternalID: "acct", Value: acct})
			}
			if n != nil {
				c.Parameters = append(c.Parameters, enroll.ParameterValue{ExternalID: "n", Value: n})
			}
		}
	}
	create := func(inst *enroll.ProgramInstance, email, acct string, n any) (*enroll.Enrollment, error) {
		c := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "U", LastName: "Nique", Email: email}
		withValues(acct, n)(c)
		return f.s.CreateEnrollment(f.ctx, f.a, inst.ID, c)
	}
	taken := func(err error, param string, holder *enroll.Enrollment) {
		t.Helper()
		wantCode(t, err, enroll.ECONFLICT)
		if x := err.(*enroll.Error).Extra; x["existingId"] != holder.ID || x["parameter"] != param {
			t.Fatalf("unique conflict = %v %v, want %s's %s", err, x, holder.ID, param)
		}
	}
	// writes makes the writes that leave an enrollment's values alone.
	writes := func(e *enroll.Enrollment) {
		t.Helper()
		must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error { e.Notes = "x"; return nil }))
		f.move(e, enroll.StatusEligible)
		must(f.s.EvaluateEnrollment(f.ctx, f.a, e.ID, nil))
		f.move(e, enroll.StatusSubmitted)
	}

	// inst's parameters are made unique behind the store's back, below.
	inst := f.instance(params)
	a := f.enroll(inst, "a@example.com", withValues("Y-1", 7.0))
	b := f.enroll(inst, "b@example.com", withValues("Y-1", nil))
	if b.ID < a.ID {
		a, b = b, a // the first by id
	}
	c := f.enroll(inst, "c@example.com", withValues("Z-1", 7.5))
	closed := f.enroll(inst, "d@example.com", withValues("Y-2", nil))
	f.move(closed, enroll.StatusEligible)
	f.move(closed, enroll.StatusSubmitted)
	f.move(closed, enroll.StatusRejected)
	f.enroll(inst, "e@example.com")

	// later's holders share a value, and the later one by id took it at
	// a write, as a release that did not register values when a
	// parameter was made unique let it.
	later := f.instance(params)
	p := f.enroll(later, "p@example.com", withValues("Y-1", nil))
	q := f.enroll(later, "q@example.com", withValues("Y-1", nil))
	if q.ID < p.ID {
		p, q = q, p
	}
	m.Unregister(t, later.ID)
	must(f.s.UpdateEnrollment(f.ctx, f.a, q.ID, func(e *enroll.Enrollment) error { e.Notes = "x"; return nil }))

	// kept's values were registered all along.
	kept := f.instance(params, func(in *enroll.ProgramInstance) { in.Parameters[0].Constraints.Unique = true })
	k := f.enroll(kept, "k@example.com", withValues("Y-1", nil))
	s.Close()

	m.Down(t)
	m.Unregister(t, inst.ID)
	var log warnings
	m.Up(t, slog.New(&log))
	// b and p, left out, are each named once, with the holder.
	log.want(t, map[string]string{b.ID: a.ID, p.ID: q.ID})

	check := func() {
		t.Helper()
		s = m.Open(t)
		f.s = s
		_, err := create(inst, "new@example.com", "Y-1", nil)
		taken(err, "acct", a)
		_, err = create(inst, "new@example.com", "Z-1", nil)
		taken(err, "acct", c)
		_, err = create(inst, "new@example.com", "", 7.0)
		taken(err, "n", a)
		_, err = create(inst, "new@example.com", "", 7.5)
		taken(err, "n", c)
		_, err = create(later, "new@example.com", "Y-1", nil)
		taken(err, "acct", q)
		_, err = create(kept, "new@example.com", "Y-1", nil)
		taken(err, "acct", k)
	}
	check()
	// The holders left out, and the ones registered, are not refused the
	// writes that keep their values; one left out setting the value anew
	// is.
	for _, e := range []*enroll.Enrollment{a, b, p, q} {
		writes(e)
	}
	_, err := f.s.UpdateEnrollment(f.ctx, f.a, b.ID, func(e *enroll.Enrollment) error {
		e.Parameters = []enroll.ParameterValue{{ExternalID: "acct", Value: "Y-1b"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, b.ID, func(e *enroll.Enrollment) error {
		e.Parameters = []enroll.ParameterValue{{ExternalID: "acct", Value: "Y-1"}}
		return nil
	})
	taken(err, "acct", a)
	// A closed enrollment held nothing, and a new one takes its value.
	must(create(inst, "y2@example.com", "Y-2", nil))
	s.Close()

	m.Down(t)
	log = warnings{}
	m.Up(t, slog.New(&log))
	log.want(t, map[string]string{p.ID: q.ID}) // b holds Y-1b
	check()
	s.Close()
}

// warnings is a slog.Handler that keeps the enrollment and holder of each
// warning.
type warnings struct {
	mu   sync.Mutex
	left [][2]string
}

func (w *warnings) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *warnings) WithGroup(string) slog.Handler            { return w }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return nil
	}
	var e, h string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "enrollment":
			e = a.Value.String()
		case "holder":
			h = a.Value.String()
		}
		return true
	})
	w.mu.Lock()
	w.left = append(w.left, [2]string{e, h})
	w.mu.Unlock()
	return nil
}

// want fails t unless the warnings name exactly the enrollments of
// holders, once each, with their holders.
func (w *warnings) want(t *testing.T, holders map[string]string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	got := map[string]string{}
	for _, l := range w.left {
		if _, twice := got[l[0]]; twice {
			t.Fatalf("warnings %v name %s twice", w.left, l[0])
		}
		got[l[0]] = l[1]
	}
	if !maps.Equal(got, holders) {
		t.Fatalf("warnings name %v (enrollment: holder), want %v", got, holders)
	}
}

// EnrollHolding creates an instance declaring a string parameter
// externalID, not unique, and an enrollment in it holding value: what a
// store's own test of the migration makes unique behind its back.
func EnrollHolding(t *testing.T, s enroll.Store, externalID, value string) *enroll.Enrollment {
	t.Helper()
	f := newFixtureOn(t, s)
	inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
		in.Parameters = []enroll.Parameter{{ExternalID: externalID, Name: "Account", Type: enroll.ParamString}}
	})
	return f.enroll(inst, "holder@example.com", func(c *enroll.EnrollmentCreate) {
		c.Parameters = []enroll.ParameterValue{{ExternalID: externalID, Value: value}}
	})
}
