package storetest

import (
	"testing"

	"github.com/enrollhq/enroll"
)

// testListLeadsByCustomer checks LeadFilter.CustomerID: the leads that
// became the customer, only those, and only the workspace's; and that a
// page token of a list by email alone is bound to its filter as before.
func testListLeadsByCustomer(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate)
	var leads []*enroll.Lead
	for range 3 {
		l := &enroll.Lead{FirstName: "Lee", LastName: "Ray", Email: "lee.ray@example.com"}
		if err := f.s.CreateLead(f.ctx, f.a, l); err != nil {
			t.Fatal(err)
		}
		leads = append(leads, l)
	}
	// Two become the customer of their email; the third stays a lead.
	e := must(f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: leads[0].ID}))
	other := f.instance(noAutoEvaluate)
	must(f.s.CreateEnrollment(f.ctx, f.a, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByLeadID, LeadID: leads[1].ID}))
	page := must(f.s.ListLeads(f.ctx, f.a.WorkspaceID, enroll.LeadFilter{CustomerID: e.CustomerID, ListParams: enroll.ListParams{Sort: enroll.SortCreatedAsc}}))
	if page.TotalItems != 2 || len(page.Data) != 2 || page.Data[0].ID != leads[0].ID || page.Data[1].ID != leads[1].ID {
		t.Fatalf("leads of customer %s = %+v", e.CustomerID, page)
	}
	stranger := newFixtureOn(t, f.s)
	if page := must(f.s.ListLeads(f.ctx, stranger.a.WorkspaceID, enroll.LeadFilter{CustomerID: e.CustomerID})); page.TotalItems != 0 {
		t.Fatalf("another workspace lists %d leads of the customer", page.TotalItems)
	}
	byEmail := enroll.LeadFilter{Email: "lee.ray@example.com", ListParams: enroll.ListParams{PerPage: 1}}
	first := must(f.s.ListLeads(f.ctx, f.a.WorkspaceID, byEmail))
	if first.TotalItems != 3 || first.NextPageToken == "" {
		t.Fatalf("leads by email = %+v", first)
	}
	byEmail.PageToken = string(first.NextPageToken)
	must(f.s.ListLeads(f.ctx, f.a.WorkspaceID, byEmail))
	both := byEmail
	both.CustomerID = e.CustomerID
	_, err := f.s.ListLeads(f.ctx, f.a.WorkspaceID, both)
	wantCode(t, err, enroll.EINVALID)
}
