package webhook_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// metricCounts returns, from reg, the number of observations of the
// delivery latency histogram and the count of succeeded attempts.
func metricCounts(t *testing.T, reg *prometheus.Registry) (latency uint64, succeeded float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "enroll_webhook_delivery_latency_seconds":
				latency = m.GetHistogram().GetSampleCount()
			case "enroll_webhook_attempts_total":
				for _, l := range m.GetLabel() {
					if l.GetName() == "outcome" && l.GetValue() == "succeeded" {
						succeeded = m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	return latency, succeeded
}

// TestRedeliveryLeavesLatencyAlone checks that a redelivery, which an
// operator asks for at any time after the event (days, say), is not
// observed as the event's delivery latency: counted from the event's
// commit, one redelivery of a week-old event put a week in the histogram
// that alerts on delivery latency read.
func TestRedeliveryLeavesLatencyAlone(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		reg := prometheus.NewRegistry()
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, func(c *webhook.Config) { c.Registerer = reg })
		events := w.enrollments(1)
		checkAll(t, r, events)
		eventually(t, "every delivery observed", func() bool {
			_, ok := metricCounts(t, reg)
			return ok == float64(len(events))
		})
		before, _ := metricCounts(t, reg)
		if before != uint64(len(events)) {
			t.Fatalf("latency observations = %d, want %d", before, len(events))
		}
		ctx := context.Background()
		pg, err := s.ListWebhookDeliveries(ctx, w.a.WorkspaceID, w.ep.ID, enroll.DeliveryFilter{EventID: events[0].ID})
		if err != nil || len(pg.Data) != 1 {
			t.Fatalf("deliveries of %s: %v, %v", events[0].ID, pg, err)
		}
		if _, err := s.RedeliverWebhook(ctx, w.a, w.ep.ID, pg.Data[0].ID); err != nil {
			t.Fatal(err)
		}
		w.d.Wake()
		eventually(t, "the redelivery observed", func() bool {
			_, ok := metricCounts(t, reg)
			return ok == float64(len(events)+1)
		})
		if after, _ := metricCounts(t, reg); after != before {
			t.Fatalf("latency observations = %d after a redelivery, want %d (the first deliveries only)", after, before)
		}
	})
}
