package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

func testCustomer(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	c := &enroll.Customer{FirstName: "Suzie", LastName: "Homeowner", Email: "Suzie@Example.com", ReferenceID: "ref-1"}
	if err := f.s.CreateCustomer(f.ctx, f.a, c); err != nil {
		t.Fatal(err)
	}
	dup := &enroll.Customer{FirstName: "S", LastName: "H", Email: "suzie@example.com"}
	err := f.s.CreateCustomer(f.ctx, f.a, dup)
	wantCode(t, err, enroll.ECONFLICT)
	if e := err.(*enroll.Error); e.Extra["existingId"] != c.ID {
		t.Fatalf("conflict names %v, want %s", e.Extra, c.ID)
	}
	err = f.s.CreateCustomer(f.ctx, f.a, &enroll.Customer{FirstName: "", LastName: "x", Email: "not-an-email"})
	wantCode(t, err, enroll.EINVALID)
	if n := len(err.(*enroll.Error).Fields); n != 2 {
		t.Fatalf("want 2 field errors, got %d", n)
	}
	got := must(f.s.FindCustomer(f.ctx, f.a.WorkspaceID, c.ID))
	if got.Email != "Suzie@Example.com" || got.Metadata == nil {
		t.Fatalf("FindCustomer = %+v", got)
	}
	for _, flt := range []enroll.CustomerFilter{{Email: "SUZIE@example.com"}, {ReferenceID: "ref-1"}} {
		if pg := must(f.s.ListCustomers(f.ctx, f.a.WorkspaceID, flt)); pg.TotalItems != 1 {
			t.Fatalf("ListCustomers(%+v) = %d", flt, pg.TotalItems)
		}
	}
	up := must(f.s.UpdateCustomer(f.ctx, f.a, c.ID, func(c *enroll.Customer) error { c.Phone = "+1555"; return nil }))
	if up.Phone != "+1555" {
		t.Fatal("phone not updated")
	}
	other := &enroll.Customer{FirstName: "O", LastName: "O", Email: "o@example.com"}
	if err := f.s.CreateCustomer(f.ctx, f.a, other); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.UpdateCustomer(f.ctx, f.a, other.ID, func(o *enroll.Customer) error { o.Email = "suzie@example.com"; return nil })
	wantCode(t, err, enroll.ECONFLICT)

	inst := f.instance()
	f.enroll(inst, "o@example.com")
	wantCode(t, f.s.DeleteCustomer(f.ctx, f.a, other.ID, nil), enroll.ECONFLICT)
	if err := f.s.DeleteCustomer(f.ctx, f.a, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.FindCustomer(f.ctx, f.a.WorkspaceID, c.ID)
	wantCode(t, err, enroll.ENOTFOUND)
}

func testLead(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	wantCode(t, f.s.CreateLead(f.ctx, f.a, &enroll.Lead{}), enroll.EINVALID)
	l := &enroll.Lead{Phone: "+1555", CustomerID: "ignored"}
	if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
		t.Fatal(err)
	}
	if got := must(f.s.FindLead(f.ctx, f.a.WorkspaceID, l.ID)); got.Phone != "+1555" || got.CustomerID != "" {
		t.Fatalf("FindLead = %+v", got)
	}
	up := must(f.s.UpdateLead(f.ctx, f.a, l.ID, func(l *enroll.Lead) error { l.Email = "lead@example.com"; return nil }))
	if up.Email != "lead@example.com" {
		t.Fatal("lead not updated")
	}
	if pg := must(f.s.ListLeads(f.ctx, f.a.WorkspaceID, enroll.LeadFilter{Email: "LEAD@example.com"})); pg.TotalItems != 1 {
		t.Fatalf("ListLeads = %d", pg.TotalItems)
	}
	if err := f.s.DeleteLead(f.ctx, f.a, l.ID, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.s.DeleteLead(f.ctx, f.a, l.ID, nil), enroll.ENOTFOUND)
}
