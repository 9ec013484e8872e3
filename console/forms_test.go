package console

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestEveryFormAddressAnswersAGet: a refused form is rendered at the
// form's address, which the address bar then shows; reloading or
// bookmarking it must open a page (the form's own, or a redirect to the
// page the form is on), never a 404. Every POST form the console
// registers is opened with GET, as is every form action its pages show.
func TestEveryFormAddressAnswersAGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Ger", "Get", true)
	ep := f.endpoint("https://receiver.example/hooks")
	f.enroll(f.other, "Ray", "Refused", false)
	ds := f.deliver(func(*enroll.WebhookDelivery) enroll.DeliveryOutcome {
		return answered(0, "connection refused", enroll.DeliveryFailed)
	})
	if len(ds) == 0 {
		t.Fatal("no delivery to redeliver")
	}
	c := f.signedIn(f.secret).noFollow()

	// The auditor's case: a deletion refused for want of the box ticked.
	page := c.get(endpointPath(ep.ID)).status(http.StatusOK)
	c.post(endpointPath(ep.ID)+"/delete", url.Values{"csrf": {page.field("csrf")}}).status(http.StatusUnprocessableEntity).
		contains("Tick the box to confirm the deletion.")

	// The addresses: every form registered, its wildcards filled in ...
	ids := strings.NewReplacer("/enrollments/{id}", "/enrollments/"+e.ID, "/webhooks/{id}", "/webhooks/"+ep.ID, "{delivery}", ds[0].ID)
	addresses := map[string]bool{}
	for _, p := range f.console.forms {
		if p = ids.Replace(p); strings.Contains(p, "{") {
			t.Fatalf("form %s: the test has no id for its wildcard", p)
		}
		addresses[p] = true
	}
	// ... and every form action the pages show, each a registered form.
	action := regexp.MustCompile(`<form [^>]*method="post"[^>]*action="([^"]+)"`)
	for _, path := range []string{Prefix + "/", Prefix + "/enrollments/" + e.ID, Prefix + "/queue", Prefix + "/imports",
		Prefix + "/webhooks", endpointPath(ep.ID)} {
		for _, m := range action.FindAllStringSubmatch(c.get(path).status(http.StatusOK).Body, -1) {
			a := html.UnescapeString(m[1])
			if !addresses[a] {
				t.Errorf("%s shows a form to %s, which is not registered with Console.form", path, a)
			}
			addresses[a] = true
		}
	}
	for _, m := range action.FindAllStringSubmatch(f.client().get(Prefix+"/signin").Body, -1) {
		addresses[html.UnescapeString(m[1])] = true
	}
	for _, want := range []string{Prefix + "/signout", Prefix + "/enrollments/" + e.ID + "/status", Prefix + "/webhooks/" + ep.ID + "/delete",
		Prefix + "/webhooks/" + ep.ID + "/deliveries/" + ds[0].ID + "/redeliver", Prefix + "/imports", Prefix + "/signin"} {
		if !addresses[want] {
			t.Errorf("the test does not open %s", want)
		}
	}

	// Where a GET of the forms without a page of their own goes.
	redirects := map[string]string{
		Prefix + "/signout":                                            Prefix + "/",
		Prefix + "/enrollments/" + e.ID + "/status":                    Prefix + "/enrollments/" + e.ID,
		Prefix + "/enrollments/" + e.ID + "/notes":                     Prefix + "/enrollments/" + e.ID + "#notes",
		endpointPath(ep.ID) + "/enabled":                               endpointPath(ep.ID) + "#state",
		endpointPath(ep.ID) + "/rotate":                                endpointPath(ep.ID) + "#rotate",
		endpointPath(ep.ID) + "/delete":                                endpointPath(ep.ID) + "#delete",
		endpointPath(ep.ID) + "/deliveries/" + ds[0].ID + "/redeliver": endpointPath(ep.ID) + "#" + ds[0].ID,
	}
	paths := make([]string, 0, len(addresses))
	for a := range addresses {
		paths = append(paths, a)
	}
	slices.Sort(paths)
	for _, path := range paths {
		res := c.get(path)
		if res.Status == http.StatusSeeOther {
			loc := res.Header.Get("Location")
			if want, ok := redirects[path]; ok && loc != want {
				t.Errorf("GET %s: redirected to %s, want %s", path, loc, want)
			}
			res = c.get(loc)
		}
		if res.Status != http.StatusOK {
			t.Errorf("GET %s: %d, want a page (200, after a redirect)", path, res.Status)
		}
	}
	// A GET did not sign out: only the form, with its token, does.
	c.get(Prefix + "/").status(http.StatusOK)
}
