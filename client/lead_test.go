package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestLeads(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()

	l := must[*enroll.Lead](t)(c.CreateLead(ctx, &client.LeadCreate{Phone: "555-0100", Metadata: map[string]any{"source": "fair"}}))
	if l.ID == "" || l.Phone != "555-0100" || l.Email != "" {
		t.Fatalf("created %+v", l)
	}
	if _, err := c.CreateLead(ctx, &client.LeadCreate{}); !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("lead without a contact field: %v", err)
	}
	got, etag, err := c.GetLeadETag(ctx, l.ID)
	if err != nil || got.ID != l.ID || etag == "" {
		t.Fatalf("GetLeadETag = %+v %q %v", got, etag, err)
	}
	if up := must[*enroll.Lead](t)(c.UpdateLead(ctx, l.ID, map[string]any{"email": "lead@example.com"}, etag)); up.Email != "lead@example.com" {
		t.Fatalf("UpdateLead = %+v", up)
	}
	if _, err := c.UpdateLead(ctx, l.ID, map[string]any{"phone": nil}, etag); !client.IsStatus(err, http.StatusPreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if got := must[*enroll.Lead](t)(c.GetLead(ctx, l.ID)); got.Email != "lead@example.com" {
		t.Fatalf("GetLead = %+v", got)
	}
	other := must[*enroll.Lead](t)(c.CreateLead(ctx, &client.LeadCreate{FirstName: "Only"}))
	if pg := must[*enroll.Page[*enroll.Lead]](t)(c.ListLeads(ctx, client.LeadQuery{Email: "LEAD@example.com"})); pg.TotalItems != 1 || pg.Data[0].ID != l.ID {
		t.Fatalf("ListLeads by email = %+v", pg)
	}
	// Newest first, a page of one at a time.
	if all := collect(t, c.AllLeads(ctx, client.LeadQuery{ListOptions: client.ListOptions{PerPage: 1}})); len(all) != 2 || all[0].ID != other.ID || all[1].ID != l.ID {
		t.Fatalf("AllLeads = %+v", all)
	}
	if err := c.DeleteLead(ctx, l.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLead(ctx, l.ID); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("deleted lead: %v", err)
	}
}
