package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// OpenLeadMigration is how MigrateOpenLeads reaches a store's database:
// the migration that widens the open-enrollment index of leads is a
// store's own.
type OpenLeadMigration struct {
	// Open opens a store, migrated, on the one database of the test;
	// the caller closes it.
	Open func(t *testing.T) enroll.Store
	// Down rolls the migration back, and Up applies it again, on the
	// database while no store is open on it.
	Down, Up func(t *testing.T)
	// Copy stores a copy of enrollment id's row as enrollment newID of
	// customer customerID, as the release before the migration could.
	Copy func(t *testing.T, id, newID, customerID string)
}

// MigrateOpenLeads checks a store's migration of the leads' open-enrollment
// index over a database that already holds two open enrollments of one
// lead in one instance: the migration applies, and is rolled back, without
// losing either, and the lead gets no third.
func MigrateOpenLeads(t *testing.T, m OpenLeadMigration) {
	s := m.Open(t)
	f := newFixtureOn(t, s)
	inst := f.instance()
	l := &enroll.Lead{Phone: "+1555"}
	if err := s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	byLead := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: l.ID}
	first := must(s.CreateEnrollment(f.ctx, f.a, inst.ID, byLead))
	cust := f.enroll(f.instance(), "lee@example.com")
	s.Close()

	m.Down(t)
	second := enroll.NewID()
	m.Copy(t, first.ID, second, cust.CustomerID)
	m.Up(t)

	s = m.Open(t)
	for _, id := range []string{first.ID, second} {
		if e := must(s.FindEnrollment(f.ctx, f.a.WorkspaceID, id)); e.LeadID != l.ID {
			t.Fatalf("enrollment %s = %+v", id, e)
		}
	}
	_, err := s.CreateEnrollment(f.ctx, f.a, inst.ID, byLead)
	wantCode(t, err, enroll.ECONFLICT)
	// Nor once it can be a customer: the index holds rows with one.
	must(s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error {
		l.FirstName, l.LastName, l.Email = "Lee", "Ray", "lee.ray@example.com"
		return nil
	}))
	_, err = s.CreateEnrollment(f.ctx, f.a, inst.ID, byLead)
	wantCode(t, err, enroll.ECONFLICT)
	s.Close()
	m.Down(t)
	m.Up(t)
}
