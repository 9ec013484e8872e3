package console

import (
	"net/http"
	"net/url"
	"testing"
)

// TestH4CapacityPastInt: a capacity too large (or too negative) for an
// int is a whole number all the same; the settings form refuses it with
// the store's words for a capacity out of range, as it does 1000000001 or
// -3, rather than "Must be a whole number", which it is.
func TestH4CapacityPastInt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	for capacity, want := range map[string]string{
		"99999999999999999999":  "Must be at most 1000000000.",
		"-99999999999999999999": "Must not be negative.",
	} {
		page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
		c.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")},
			"status": {"active"}, "capacity": {capacity}, "autoEvaluate": {"true"}}).
			status(http.StatusUnprocessableEntity).contains(want, `value="`+capacity+`"`, `aria-invalid="true"`).
			lacks("Must be a whole number")
	}
	if got := f.findInstance(f.inst.ID); got.Capacity == nil || *got.Capacity != 100 {
		t.Errorf("capacity saved: %v", got.Capacity)
	}
}
