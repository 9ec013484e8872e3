package webhook_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestDispatchBoundsDeliveries checks that one dispatch, which runs in a
// write transaction (on SQLite every workspace's), writes a bounded
// number of deliveries: it took 500 events whatever their deliveries, so
// a workspace with a thousand endpoints made half a million in one
// transaction, and on SQLite an import of 50 rows (48,500 deliveries)
// held another workspace's write for 2.6 s. The bound is 5,000
// deliveries, and a dispatch always takes at least one event.
func TestDispatchBoundsDeliveries(t *testing.T) {
	t.Parallel()
	const endpoints, events, bound = 60, 100, 5000
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		ctx := context.Background()
		ws := &enroll.Workspace{ID: enroll.NewID(), Name: "ws-" + enroll.NewID()}
		key, _ := enroll.NewAPIKey(ws.ID, "test", nil, nil, time.Now())
		if err := s.CreateWorkspace(ctx, ws, key); err != nil {
			t.Fatal(err)
		}
		a := enroll.Actor{WorkspaceID: ws.ID, KeyID: key.ID}
		for i := 0; i < endpoints; i++ {
			ep := &enroll.WebhookEndpoint{URL: "https://hooks.example.com/" + strconv.Itoa(i), Enabled: true}
			if err := s.CreateWebhookEndpoint(ctx, a, ep); err != nil {
				t.Fatal(err)
			}
		}
		// Other tests' stores are their own, so every event is this one's.
		for i := 0; i < events; i++ {
			if err := s.CreateProgram(ctx, a, &enroll.Program{Slug: "p" + strconv.Itoa(i), Name: "P", Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		taken, total := 0, 0
		for total < events {
			n, err := s.DispatchEvents(ctx, 500, 0)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("a dispatch took no event, %d of %d left", events-total, events)
			}
			if n*endpoints > bound {
				t.Fatalf("one dispatch took %d events, %d deliveries; want at most %d deliveries", n, n*endpoints, bound)
			}
			taken++
			total += n
		}
		if taken < 2 {
			t.Fatalf("dispatched in %d calls", taken)
		}
		// Every event still reaches every endpoint, once.
		eps, err := s.ListWebhookEndpoints(ctx, ws.ID, enroll.ListParams{PerPage: 1})
		if err != nil || len(eps.Data) != 1 {
			t.Fatalf("endpoints: %v, %v", eps, err)
		}
		pg, err := s.ListWebhookDeliveries(ctx, ws.ID, eps.Data[0].ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 1}})
		if err != nil || pg.TotalItems != events {
			t.Fatalf("deliveries to one endpoint: %v, %v; want %d", pg, err, events)
		}
	})
}
