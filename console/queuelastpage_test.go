package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestQueueLastPageDecidedShowsTheRest: deciding the only enrollment of
// the queue's last page came back to that page, now empty, and said
// "Nothing waiting for review" (Page 2 of 1) while 25 still waited on the
// page before. The queue, and the list, show what is left instead.
func TestQueueLastPageDecidedShowsTheRest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range queuePerPage + 1 {
		f.enroll(f.inst, fmt.Sprintf("Quinn%02d", i), "Lastpage", true)
	}
	c := f.signedIn(f.secret)
	first := c.get(Prefix + "/queue").status(http.StatusOK).contains("Page 1 of 2")
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatal("no next page")
	}
	last := c.get(strings.ReplaceAll(next[1], "&amp;", "&")).status(http.StatusOK).contains("Page 2 of 2", "Quinn25 Lastpage")
	form := last.decision(enroll.StatusApproved, "")
	form.Set("return", last.field("return"))
	id := regexp.MustCompile(`action="/console/enrollments/([^/"]+)/status"`).FindStringSubmatch(last.Body)[1]
	res := c.post(Prefix+"/enrollments/"+id+"/status", form).status(http.StatusOK).contains("Quinn25 Lastpage is now approved.")
	if res.URL.Path != Prefix+"/queue" {
		t.Fatalf("after the decision the browser is at %s", res.URL)
	}
	res.lacks("Nothing waiting for review", "Page 2 of 1").contains("Quinn00 Lastpage", "Quinn24 Lastpage", "Page 1 of 1")
}
