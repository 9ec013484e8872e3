package console

import (
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// nextLink returns the page's Next link, unescaped.
func nextLink(t *testing.T, r *response) string {
	t.Helper()
	m := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no next page on:\n%s", r.Body)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// TestH6PagePastTheEnd opens page links made before the list shrank: the
// console said "Page 2 of 1". A page that still has rows past the
// pages the total makes is the last page, said so; a page with none
// left shows the page before (the first, when the list is empty now),
// in the review queue, the list of endpoints and an endpoint's
// deliveries alike.
func TestH6PagePastTheEnd(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	pastTheEnd := regexp.MustCompile(`Page (\d+) of (\d+)`)
	honest := func(where string, r *response) {
		t.Helper()
		for _, m := range pastTheEnd.FindAllStringSubmatch(r.Body, -1) {
			n, _ := strconv.Atoi(m[1])
			if of, _ := strconv.Atoi(m[2]); n > of {
				t.Errorf("%s: %q", where, m[0])
			}
		}
	}

	// The queue's second page keeps two rows after three of the first
	// page's are decided elsewhere: 24 wait, one page's worth.
	var queued []*enroll.Enrollment
	for i := range queuePerPage + 2 {
		queued = append(queued, f.enroll(f.inst, fmt.Sprintf("Pastend%02d", i), "Queue", true))
	}
	second := nextLink(t, c.get(Prefix+"/queue").status(http.StatusOK).contains("Page 1 of 2"))
	for _, e := range queued[:3] {
		f.move(e, enroll.StatusApproved, "")
	}
	r := c.get(second).status(http.StatusOK).contains("Pastend26 Queue", "Last page")
	honest("queue, rows past the pages", r)
	// Every one decided: the queue is empty, and its first page says so.
	for _, e := range queued[3:] {
		f.move(e, enroll.StatusApproved, "")
	}
	r = c.get(second).status(http.StatusOK).contains("Nothing waiting for review", "Page 1 of 1")
	honest("queue, emptied", r)

	// The endpoints' second page, its one endpoint deleted since.
	var last *enroll.WebhookEndpoint
	for i := range webhooksPerPage + 1 {
		last = f.endpoint(fmt.Sprintf("https://receiver.example/pastend/%02d", i))
	}
	page2 := nextLink(t, c.get(Prefix+"/webhooks").status(http.StatusOK).contains("Page 1 of 2"))
	oldest := c.get(page2).status(http.StatusOK).contains("Page 2 of 2")
	id := regexp.MustCompile(`href="/console/webhooks/(whe_[^"]+)"`).FindStringSubmatch(oldest.Body)
	if id == nil {
		t.Fatalf("no endpoint on the second page:\n%s", oldest.Body)
	}
	if err := f.store.DeleteWebhookEndpoint(f.ctx, f.actor(), id[1], nil); err != nil {
		t.Fatal(err)
	}
	r = c.get(page2).status(http.StatusOK).contains("Page 1 of 1", "receiver.example/pastend/50").lacks("No webhook endpoints yet")
	honest("endpoints, emptied page", r)

	// An endpoint's deliveries: the second page's one delivery gone.
	for i := range deliveriesPerPage + 1 {
		if err := f.store.CreateProgram(f.ctx, f.actor(), &enroll.Program{Slug: fmt.Sprintf("pastend-%02d", i), Name: "P"}); err != nil {
			t.Fatal(err)
		}
	}
	ws := enroll.WebhookStore(f.store)
	for {
		n, err := ws.DispatchEvents(f.ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	path := endpointPath(last.ID)
	dpage2 := nextLink(t, c.get(path).status(http.StatusOK).contains("Page 1 of 2"))
	db, err := sql.Open("sqlite", "file:"+f.dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM webhook_deliveries WHERE seq = (SELECT min(seq) FROM webhook_deliveries WHERE endpoint_id = ?)`, last.ID); err != nil {
		t.Fatal(err)
	}
	r = c.get(dpage2).status(http.StatusOK).contains("Page 1 of 1").lacks("No deliveries yet")
	honest("deliveries, emptied page", r)
}
