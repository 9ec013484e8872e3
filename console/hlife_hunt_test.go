package console

import (
	"net/http"
	"net/url"
	"testing"
)

// TestInstanceSettingsCapacityLimit: the settings form refuses a capacity
// above the API's maximum (1,000,000,000), as a PATCH does, rather than
// storing an instance whose representation no PATCH could send back.
func TestInstanceSettingsCapacityLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	before := f.eventCount(f.inst.ID)
	c.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")},
		"status": {"active"}, "capacity": {"99999999999"}, "autoEvaluate": {"true"}}).
		status(http.StatusUnprocessableEntity).contains(`value="99999999999"`, `aria-invalid="true"`, "The settings were not saved")
	got := f.findInstance(f.inst.ID)
	if got.Capacity == nil || *got.Capacity != 100 || f.eventCount(f.inst.ID) != before {
		t.Errorf("capacity saved as %v", got.Capacity)
	}
}
