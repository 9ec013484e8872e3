package webhook_test

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/webhook"
)

// TestRefusesSiteLocalAddress: an endpoint at an IPv6 site-local address
// (fec0::/10, private like fc00::/7) gets no connection attempt unless
// private addresses are allowed: the attempt fails as a non-public
// address, on both stores.
func TestRefusesSiteLocalAddress(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s enroll.WebhookStore) {
		r := newReceiver(t, nil)
		w := newWorld(t, s, r, func(c *webhook.Config) { c.AllowPrivate = false })
		w.retarget("http://[fec0::1]:9/hook")
		w.enrollments(1)
		d := w.firstAttempted()
		if !strings.Contains(d.Attempts[0].Error, "non-public") {
			t.Fatalf("delivery to fec0::1: attempt error %q, want a refused non-public address", d.Attempts[0].Error)
		}
	})
}
