package storetest

import (
	"errors"
	"testing"

	"github.com/enrollhq/enroll"
)

// testDeleteCheck checks the check every delete method runs in its
// transaction (If-Match): it sees the object about to go, its error is
// returned as is, and the object stays.
func testDeleteCheck(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	refuse := errors.New("refused")
	inst := f.instance()
	prog := f.program("delete-check")
	cust := &enroll.Customer{FirstName: "D", LastName: "C", Email: "delete-check@example.com"}
	lead := &enroll.Lead{Email: "delete-check-lead@example.com"}
	ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/delete-check", Enabled: true}
	if err := f.s.CreateCustomer(f.ctx, f.a, cust); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CreateLead(f.ctx, f.a, lead); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.CreateWebhookEndpoint(f.ctx, f.a, ep); err != nil {
		t.Fatal(err)
	}
	tpl := f.template(inst.ID, enroll.StatusApproved)

	for _, tc := range []struct {
		name string
		// del deletes the object with a check that records the id it saw
		// and returns err.
		del  func(err error, saw *string) error
		id   string
		find func() error
	}{
		{"program", func(err error, saw *string) error {
			return f.s.DeleteProgram(f.ctx, f.a, prog.Slug, func(p *enroll.Program) error { *saw = p.ID; return err })
		}, prog.ID, func() error { _, err := f.s.FindProgram(f.ctx, f.a.WorkspaceID, prog.ID); return err }},
		{"instance", func(err error, saw *string) error {
			return f.s.DeleteInstance(f.ctx, f.a, inst.ID, func(in *enroll.ProgramInstance) error { *saw = in.ID; return err })
		}, inst.ID, func() error { _, err := f.s.FindInstance(f.ctx, f.a.WorkspaceID, inst.ID); return err }},
		{"customer", func(err error, saw *string) error {
			return f.s.DeleteCustomer(f.ctx, f.a, cust.ID, func(c *enroll.Customer) error { *saw = c.ID; return err })
		}, cust.ID, func() error { _, err := f.s.FindCustomer(f.ctx, f.a.WorkspaceID, cust.ID); return err }},
		{"lead", func(err error, saw *string) error {
			return f.s.DeleteLead(f.ctx, f.a, lead.ID, func(l *enroll.Lead) error { *saw = l.ID; return err })
		}, lead.ID, func() error { _, err := f.s.FindLead(f.ctx, f.a.WorkspaceID, lead.ID); return err }},
		{"webhook endpoint", func(err error, saw *string) error {
			return f.ws.DeleteWebhookEndpoint(f.ctx, f.a, ep.ID, func(e *enroll.WebhookEndpoint) error { *saw = e.ID; return err })
		}, ep.ID, func() error { _, err := f.ws.FindWebhookEndpoint(f.ctx, f.a.WorkspaceID, ep.ID); return err }},
		{"notification template", func(err error, saw *string) error {
			return f.ns.DeleteNotificationTemplate(f.ctx, f.a, tpl.ID, func(x *enroll.NotificationTemplate) error { *saw = x.ID; return err })
		}, tpl.ID, func() error { _, err := f.ns.FindNotificationTemplate(f.ctx, f.a.WorkspaceID, tpl.ID); return err }},
	} {
		var saw string
		if err := tc.del(refuse, &saw); !errors.Is(err, refuse) || saw != tc.id {
			t.Fatalf("%s: refused delete = %v, check saw %q, want %s", tc.name, err, saw, tc.id)
		}
		if err := tc.find(); err != nil {
			t.Fatalf("%s: gone after a refused delete: %v", tc.name, err)
		}
	}
	// In the order the references allow: the instance's template first,
	// the program's instance before it.
	for _, tc := range []struct {
		name string
		del  func() error
		find func() error
	}{
		{"notification template", func() error { return f.ns.DeleteNotificationTemplate(f.ctx, f.a, tpl.ID, nil) },
			func() error { _, err := f.ns.FindNotificationTemplate(f.ctx, f.a.WorkspaceID, tpl.ID); return err }},
		{"program", func() error {
			return f.s.DeleteProgram(f.ctx, f.a, prog.ID, func(*enroll.Program) error { return nil })
		}, func() error { _, err := f.s.FindProgram(f.ctx, f.a.WorkspaceID, prog.ID); return err }},
		{"customer", func() error {
			return f.s.DeleteCustomer(f.ctx, f.a, cust.ID, func(*enroll.Customer) error { return nil })
		}, func() error { _, err := f.s.FindCustomer(f.ctx, f.a.WorkspaceID, cust.ID); return err }},
	} {
		if err := tc.del(); err != nil {
			t.Fatalf("%s: delete with a passing check: %v", tc.name, err)
		}
		wantCode(t, tc.find(), enroll.ENOTFOUND)
	}
}
