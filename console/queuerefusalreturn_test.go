package console

import (
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestQueueRefusalKeepsReturn: a decision from the queue that is refused
// (no reason to reject, without the script; or a conflict) shows the
// enrollment, and the decision made again from there goes back to the
// queue, as a decision from the queue does, not to the enrollment's page.
func TestQueueRefusalKeepsReturn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.enroll(f.inst, "Rhea", "Return", true)
	f.enroll(f.inst, "Sam", "Return", true)
	c := f.signedIn(f.secret)
	queue := c.get(Prefix + "/queue").status(http.StatusOK)
	form := queue.decision(enroll.StatusRejected, "")
	form.Set("return", queue.field("return"))
	refused := c.post(Prefix+"/enrollments/"+first.ID+"/status", form).status(http.StatusUnprocessableEntity)
	if got := refused.field("return"); got != form.Get("return") {
		t.Errorf("the refused decision's page returns to %q, want the queue's %q", got, form.Get("return"))
	}
	again := refused.decision(enroll.StatusRejected, "Roof too old")
	again.Set("return", refused.field("return"))
	res := c.post(Prefix+"/enrollments/"+first.ID+"/status", again).status(http.StatusOK)
	if res.URL.Path != Prefix+"/queue" {
		t.Errorf("after deciding again the browser is at %s, want the queue", res.URL)
	}
}
