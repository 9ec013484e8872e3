package storetest

import (
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// sealedFixtures returns a webhook fixture on s, and a function giving
// one on another store opened on the same database (with other keys):
// the same workspace, program and key, reached through that store.
func sealedFixtures(t *testing.T, s enroll.Store) (*webhookFixture, func(enroll.Store) *webhookFixture) {
	t.Helper()
	base := newFixtureOn(t, s)
	on := func(s enroll.Store) *webhookFixture {
		f := *base
		f.s = s
		return &webhookFixture{fixture: &f, ws: s.(enroll.WebhookStore)}
	}
	return on(s), on
}

// rotate rotates endpoint id's secret and returns the endpoint as
// written, with its new secret.
func (f *webhookFixture) rotate(id string) *enroll.WebhookEndpoint {
	f.t.Helper()
	return must(f.ws.UpdateWebhookEndpoint(f.ctx, f.a, id, func(ep *enroll.WebhookEndpoint) error {
		ep.RotateOnUpdate()
		return nil
	}))
}

// claimAll claims the deliveries due, finishes each as delivered, and
// returns the jobs by endpoint id (the last of an endpoint's).
func (f *webhookFixture) claimAll() map[string]*enroll.WebhookJob {
	f.t.Helper()
	byEndpoint := map[string]*enroll.WebhookJob{}
	for _, j := range must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 100, 100, 100)) {
		byEndpoint[j.Delivery.EndpointID] = j
		must(f.ws.FinishWebhookDelivery(f.ctx, j, ok200(time.Now())))
	}
	return byEndpoint
}
