package console

import (
	"net/http"
	"net/url"
	"testing"
)

// TestH6DeleteWebhookLeavesDeliveries deletes, in the console, an
// endpoint whose deliveries take two batches while the second batch
// fails (a trigger refuses to delete them): the endpoint is gone from
// the first transaction, so the console says it was deleted and shows
// the list without it, rather than an error page over a deletion done.
func TestH6DeleteWebhookLeavesDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://receiver.example/h6")
	refuseSecondBatch(t, f, ep.ID)

	c := f.signedIn(f.secret)
	path := endpointPath(ep.ID)
	csrf := c.get(path).status(http.StatusOK).field("csrf")
	res := c.post(path+"/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}).status(http.StatusOK)
	if res.URL.Path != Prefix+"/webhooks" {
		t.Errorf("deletion ended at %s", res.URL.Path)
	}
	res.contains("Endpoint https://receiver.example/h6 deleted, with its deliveries.", "No webhook endpoints yet.")
	c.get(path).status(http.StatusNotFound)
}
