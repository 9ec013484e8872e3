package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestWebhooks(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()

	ep := must[*enroll.WebhookEndpoint](t)(c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/in",
		Description: "CRM", EventTypes: []enroll.EventType{enroll.EventProgramCreated, enroll.EventInstanceCreated}}))
	if ep.Secret == "" || !ep.Enabled || len(ep.EventTypes) != 2 {
		t.Fatalf("created %+v", ep)
	}
	if got := must[*enroll.WebhookEndpoint](t)(c.GetWebhookEndpoint(ctx, ep.ID)); got.Secret != "" || got.Description != "CRM" {
		t.Fatalf("GetWebhookEndpoint = %+v", got)
	}
	disabled := false
	off := must[*enroll.WebhookEndpoint](t)(c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/off",
		Enabled: &disabled}))
	if off.Enabled {
		t.Fatalf("created disabled: %+v", off)
	}
	if up := must[*enroll.WebhookEndpoint](t)(c.UpdateWebhookEndpoint(ctx, off.ID, map[string]any{"enabled": true}, "")); !up.Enabled {
		t.Fatalf("UpdateWebhookEndpoint = %+v", up)
	}
	if pg := must[*enroll.Page[*enroll.WebhookEndpoint]](t)(c.ListWebhookEndpoints(ctx, client.ListOptions{PerPage: 1})); pg.TotalItems != 2 || pg.NextPageToken == "" {
		t.Fatalf("ListWebhookEndpoints = %+v", pg)
	}
	if all := collect(t, c.AllWebhookEndpoints(ctx, client.ListOptions{PerPage: 1})); len(all) != 2 || all[0].ID == all[1].ID {
		t.Fatalf("AllWebhookEndpoints = %+v", all)
	}
	rot := must[*enroll.WebhookEndpoint](t)(c.RotateWebhookSecret(ctx, ep.ID))
	if rot.Secret == "" || rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("RotateWebhookSecret = %+v", rot)
	}
	if err := c.DeleteWebhookEndpoint(ctx, off.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetWebhookEndpoint(ctx, off.ID); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("deleted endpoint: %v", err)
	}

	// Three events of the endpoint's types, dispatched: three deliveries,
	// pending until sent.
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "wh", Name: "Wh"}))
	must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "wh", &client.InstanceCreate{Slug: "a", Name: "A"}))
	must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "wh", &client.InstanceCreate{Slug: "b", Name: "B"}))
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}
	all := collect(t, c.AllWebhookDeliveries(ctx, ep.ID, client.DeliveryQuery{Status: enroll.DeliveryPending, ListOptions: client.ListOptions{PerPage: 2}}))
	if len(all) != 3 {
		t.Fatalf("AllWebhookDeliveries = %d deliveries", len(all))
	}
	d := all[2] // the oldest: program.created
	pg := must[*enroll.Page[*enroll.WebhookDelivery]](t)(c.ListWebhookDeliveries(ctx, ep.ID, client.DeliveryQuery{EventID: d.EventID}))
	if pg.TotalItems != 1 || pg.Data[0].ID != d.ID || d.EventType != enroll.EventProgramCreated {
		t.Fatalf("ListWebhookDeliveries of event %s = %+v (%s)", d.EventID, pg, d.EventType)
	}
	if _, err := c.RedeliverWebhook(ctx, ep.ID, d.ID); !client.IsStatus(err, http.StatusConflict) {
		t.Fatalf("redelivering a pending delivery: %v", err)
	}
	// Sent (as the deliverer records it), it may be sent again.
	jobs, err := s.db.ClaimWebhookDeliveries(ctx, time.Minute, 500, 500, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		ok := enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{At: time.Now(), StatusCode: 200}, Status: enroll.DeliverySucceeded}
		if _, err := s.db.FinishWebhookDelivery(ctx, j, ok); err != nil {
			t.Fatal(err)
		}
	}
	got := must[*enroll.WebhookDelivery](t)(c.GetWebhookDelivery(ctx, ep.ID, d.ID))
	if got.Status != enroll.DeliverySucceeded || len(got.Attempts) != 1 || got.Attempts[0].StatusCode != 200 {
		t.Fatalf("GetWebhookDelivery = %+v", got)
	}
	re := must[*enroll.WebhookDelivery](t)(c.RedeliverWebhook(ctx, ep.ID, d.ID))
	if re.RedeliveryOf != d.ID || re.EventID != d.EventID || re.Status != enroll.DeliveryPending {
		t.Fatalf("RedeliverWebhook = %+v", re)
	}
}
