package console

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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
	ids := strings.NewReplacer("/enrollments/{id}", "/enrollments/"+e.ID, "/instances/{id}", "/instances/"+f.inst.ID, "/webhooks/{id}", "/webhooks/"+ep.ID, "{delivery}", ds[0].ID)
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
		Prefix + "/webhooks", endpointPath(ep.ID), instancePath(f.inst.ID)} {
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
		Prefix + "/webhooks/" + ep.ID + "/deliveries/" + ds[0].ID + "/redeliver", Prefix + "/imports", Prefix + "/signin",
		instancePath(f.inst.ID) + "/settings", instancePath(f.inst.ID) + "/rules", instancePath(f.inst.ID) + "/details",
		instancePath(f.inst.ID) + "/parameters", instancePath(f.inst.ID) + "/groups"} {
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
		instancePath(f.inst.ID) + "/settings":                          instancePath(f.inst.ID) + "#settings",
		instancePath(f.inst.ID) + "/rules":                             instancePath(f.inst.ID) + "#rules",
		instancePath(f.inst.ID) + "/details":                           instancePath(f.inst.ID) + "#details",
		instancePath(f.inst.ID) + "/parameters":                        instancePath(f.inst.ID) + "#parameters",
		instancePath(f.inst.ID) + "/groups":                            instancePath(f.inst.ID) + "#groups",
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

// TestFormTextNotUTF8: text that is not UTF-8 (or holds NUL, or is too
// long) in a form, which only a forged or mangled POST sends, is refused
// in the console's words, naming the field as the page labels it (not the
// API's eligibilityReason), and what was typed comes back with those bytes
// replaced, never raw in a page declared UTF-8. Nothing is changed.
func TestFormTextNotUTF8(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Rex", "Raw", true)
	c := f.signedIn(f.secret)
	clean := func(res *response) *response {
		t.Helper()
		if !utf8.ValidString(res.Body) || strings.ContainsRune(res.Body, 0) {
			t.Errorf("%s: the page holds bytes that are not UTF-8, or NUL", res.what)
		}
		return res.lacks("eligibilityReason", "notes:", "must be valid UTF-8")
	}
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	status := Prefix + "/enrollments/" + e.ID + "/status"
	for reason, problem := range map[string]string{
		"a\xffb":                     "The reason is not valid UTF-8.",
		"a\x00b":                     "The reason contains a NUL character.",
		strings.Repeat("\xe9", 5):    "The reason is not valid UTF-8.",
		strings.Repeat("é", 4097):    "The reason is too long (at most 4096 characters).",
		"roof too old\xc3\x28 sorry": "The reason is not valid UTF-8.",
	} {
		clean(c.post(status, page.decision(enroll.StatusNeedsAction, reason)).status(http.StatusUnprocessableEntity)).
			contains(problem)
	}
	clean(c.post(status, page.decision(enroll.StatusRejected, "a\xffb")).status(http.StatusUnprocessableEntity)).
		contains("The reason is not valid UTF-8.", ">\na\uFFFDb</textarea>")
	clean(c.post(status, page.decision("\xff", "")).status(http.StatusUnprocessableEntity)).contains("Unknown status “\uFFFD”.")

	notes := Prefix + "/enrollments/" + e.ID + "/notes"
	for text, problem := range map[string]string{
		"a\xffb":                  "The notes are not valid UTF-8.",
		"a\x00b":                  "The notes contain a NUL character.",
		strings.Repeat("n", 4097): "The notes are too long (at most 4096 characters).",
	} {
		clean(c.post(notes, url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {text}}).
			status(http.StatusUnprocessableEntity)).contains(problem)
	}
	clean(c.post(notes, url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "notes": {"a\xffb"}})).
		contains(">\na\uFFFDb</textarea>")
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusSubmitted || got.Notes != "" || got.ETag() != e.ETag() {
		t.Errorf("changed: %s, notes %q", got.Eligibility.Status, got.Notes)
	}

	// The webhook forms: the store's objection under the field, with what
	// was typed shown again, its bytes that are not UTF-8 replaced.
	form := url.Values{"csrf": {page.field("csrf")}, "url": {"https://receiver.example/\xff"}, "description": {"a\xffb"},
		"eventTypes": {"enrollment.\xff"}}
	clean(c.post(Prefix+"/webhooks", form).status(http.StatusUnprocessableEntity)).
		contains(`value="https://receiver.example/`+"\uFFFD"+`"`, ">\na\uFFFDb</textarea>", "Unknown event type: enrollment.\uFFFD.")
	ep := f.endpoint("https://receiver.example/hooks")
	clean(c.post(endpointPath(ep.ID), url.Values{"csrf": {page.field("csrf")}, "description": {"a\xffb"}}).
		status(http.StatusUnprocessableEntity)).contains(">\na\uFFFDb</textarea>")
}
