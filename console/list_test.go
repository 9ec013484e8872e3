package console

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

func TestEnrollmentListSearchFilterSortAndPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 60 {
		f.enroll(f.other, "Person", fmt.Sprintf("N%02d", i), i%2 == 0)
	}
	target := f.enroll(f.inst, "Suzie", "Homeowner", true)
	c := f.signedIn(f.secret)

	// Search by name, email and reference.
	for _, q := range []string{"suzie", "homeowner", "suzie.homeowner@", "ref-home"} {
		res := c.get(Prefix + "/enrollments?q=" + q).status(http.StatusOK)
		res.contains("Suzie Homeowner", "/console/enrollments/"+target.ID, "1 enrollment").lacks("Person N")
	}
	// Filter by status and instance.
	c.get(Prefix + "/enrollments?status=eligible").contains("30 enrollments").lacks("Suzie")
	c.get(Prefix+"/enrollments?instance="+f.inst.ID).contains("1 enrollment", "Suzie")
	c.get(Prefix + "/enrollments?status=bogus").status(http.StatusOK).contains("61 enrollments")
	// Sort by last name.
	res := c.get(Prefix + "/enrollments?sort=lastName&perPage=100")
	if i, j := strings.Index(res.Body, "Suzie Homeowner"), strings.Index(res.Body, "Person N00"); i < 0 || j < 0 || i > j {
		t.Error("lastName sort: Homeowner not before N00")
	}

	// Cursor paging forward and back.
	p1 := c.get(Prefix + "/enrollments?sort=createdAt&perPage=25").status(http.StatusOK)
	p1.contains("Page 1 of 3", "Person N00", "Person N24").lacks("Person N25", "rel=\"prev\"")
	next := link(t, p1.Body, "next")
	if !strings.Contains(next, "pageToken=") {
		t.Fatalf("next link %q has no page token", next)
	}
	p2 := c.get(next).status(http.StatusOK)
	p2.contains("Page 2 of 3", "Person N25", "Person N49", "First page").lacks("Person N24<", "Person N50")
	p3 := c.get(link(t, p2.Body, "next")).status(http.StatusOK)
	p3.contains("Page 3 of 3", "Person N50", "Suzie Homeowner").lacks(`rel="next"`)
	back := c.get(link(t, p3.Body, "prev")).status(http.StatusOK)
	back.contains("Page 2 of 3", "Person N25")
	c.get(link(t, back.Body, "prev")).contains("Page 1 of 3", "Person N00")

	// A token from another query is not an error page.
	tok := regexp.MustCompile(`pageToken=([^&"]+)`).FindStringSubmatch(next)[1]
	c.get(Prefix+"/enrollments?status=submitted&pageToken="+tok).status(http.StatusOK).
		contains("no longer fits this list", "Page 1 of")
}

// link returns the href of the pager link with rel.
func link(t *testing.T, body, rel string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]+)" rel="` + rel + `"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link", rel)
	}
	return html.UnescapeString(m[1])
}

func TestEnrollmentDetailShowsEverything(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Dana", "Devices", true, func(r *enroll.EnrollmentCreate) {
		r.Phone = "+1 555 0100"
		r.ManufacturerSlugs = []string{"tesla", "enphase"}
		r.Tags = []string{"vip"}
		r.GroupIDs = []string{"north"}
		r.Metadata = map[string]any{"source": "fair"}
		r.Parameters = []enroll.ParameterValue{{ExternalID: "inspector_code", Value: "INSPECT-9"}} // roof_age missing
		r.Devices = []enroll.Device{{ID: "dev-1", Type: "battery", ManufacturerName: "Tesla", ProductName: "Powerwall", SerialNumber: "PW-42"}}
	})
	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/enrollments/" + e.ID).status(http.StatusOK)
	page.contains("Dana Devices", "dana.devices@example.com", "&#43;1 555 0100", "1 Main St", "Albany, NY 12207",
		`>tesla</a>, <a href="/console/enrollments?manufacturerSlug=enphase">enphase</a>`, "vip", "Northern territory (north)", "&#34;source&#34;: &#34;fair&#34;",
		"Powerwall", "PW-42", "Tesla", "ref-devices", e.ETag()[1:len(e.ETag())-1],
		"customerInfo", "Solar Rebate 2026", "in-ny", "History", "created as", "enrollment.created")
	// The required parameter is missing: the submission went to
	// needs_action, and the page shows the parameter's error.
	if got := f.find(e.ID); got.Eligibility.Status != enroll.StatusNeedsAction {
		t.Fatalf("incomplete submission is %s", got.Eligibility.Status)
	}
	page.contains("Roof age (years) is required.", "PARAM_REQUIRED", `class="has-error"`, "INSPECT-9", "Inspector code")
	// Hidden parameters are for program staff (programs:write), as in the API.
	// The events shown to such a key carry the enrollment without them too.
	secret, _ := f.newKey("reviewer", append(reviewScopes[:len(reviewScopes):len(reviewScopes)], enroll.ScopeEventsRead))
	f.signedIn(secret).get(Prefix+"/enrollments/"+e.ID).status(http.StatusOK).
		contains("Roof age (years) is required.", "enrollment.created", "roof_age").lacks("INSPECT-9", "Inspector code", "inspector_code")
	c.get(Prefix + "/enrollments/not-an-id").status(http.StatusNotFound)
	c.get(Prefix + "/enrollments/" + enroll.NewID()).status(http.StatusNotFound)
}

func TestAssetsAndSections(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client()
	for name, ctype := range map[string]string{"console.css": "text/css", "console.js": "text/javascript", "favicon.svg": "image/svg+xml"} {
		res := c.get(f.console.assets.url(name)).status(http.StatusOK)
		if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, ctype) {
			t.Errorf("%s: Content-Type %q", name, got)
		}
		if !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: versioned asset not cacheable", name)
		}
	}
	c.get(Prefix + "/assets/nope.js").status(http.StatusNotFound)

	s := f.signedIn(f.secret)
	s.get(Prefix + "/imports").status(http.StatusOK).contains("<input id=\"import-file\"").lacks("not available yet")
	s.get(Prefix+"/webhooks").status(http.StatusOK).contains("<h1>Webhooks</h1>", `id="ep-url" name="url"`, "No webhook endpoints yet.").
		lacks("not available yet")
	s.get(Prefix+"/").contains(`href="/console/webhooks">Webhooks</a>`, `href="/console/imports">Imports</a>`).lacks(`class="soon"`)
	s.get(Prefix + "/nowhere").status(http.StatusNotFound).contains("There is no console page")
	// /console redirects to /console/.
	res := s.get(Prefix)
	if res.URL.Path != Prefix+"/" || res.Status != http.StatusOK {
		t.Errorf("GET /console ended at %s with %d", res.URL.Path, res.Status)
	}
}

// TestSearchTextNoEnrollmentHolds: search text with a NUL character or
// not in UTF-8 (a mangled link) is left out with a note in the console's
// words, and the list stays usable; the URL's NUL, which the API answers
// with a JSON problem, gets console pages.
func TestSearchTextNoEnrollmentHolds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Suzie", "Homeowner", true)
	f.enroll(f.inst, "Ina", "Eligible", false)
	c := f.signedIn(f.secret)
	for q, note := range map[string]string{
		"%00":         "The search text contains a NUL character, so it was left out.",
		"suz%00ie":    "The search text contains a NUL character, so it was left out.",
		"%ff%fe":      "The search text is not valid UTF-8, so it was left out.",
		"suzie%c3%28": "The search text is not valid UTF-8, so it was left out.",
	} {
		res := c.get(Prefix + "/enrollments?status=submitted&q=" + q).status(http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("q=%s: Content-Type %q", q, ct)
		}
		res.contains(note, "Suzie Homeowner", "1 enrollment", `name="q" type="search" value=""`).
			lacks("query.q", "Cannot do that", "Ina Eligible")
	}
	// Left out of the paging links too.
	if next := c.get(Prefix + "/enrollments?perPage=25&q=%ff").Body; strings.Contains(next, "q=%") {
		t.Error("the invalid search text is carried in the page's links")
	}
	res := c.get(Prefix + "/enrollments/%00").status(http.StatusNotFound)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("an enrollment id with NUL: Content-Type %q", ct)
	}
	c.get(Prefix+"/queue?instance=%00").status(http.StatusOK).
		contains("The program instance “\uFFFD” is not one your key can see, so it was left out.", "1 submitted enrollment", "Suzie Homeowner")
}

// TestSearchTextOfSeveralWords: the search box finds a person by their
// full name in either order, as the API's q does, and search text of more
// words than the API takes is cut to those, with a note, rather than the
// error page.
func TestSearchTextOfSeveralWords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Suzie", "Homeowner", true)
	f.enroll(f.inst, "Suzie", "Baker", true)
	f.enroll(f.inst, "Ina", "Homeowner", true)
	c := f.signedIn(f.secret)
	for _, q := range []string{"Suzie+Homeowner", "homeowner%20%20SUZIE"} {
		c.get(Prefix+"/enrollments?q="+q).status(http.StatusOK).
			contains("1 enrollment", "Suzie Homeowner").lacks("Suzie Baker", "Ina Homeowner")
	}
	c.get(Prefix+"/enrollments?q=suzie+homeowner+a+b+c+d+e+f+g").status(http.StatusOK).
		contains("The search text has more than 8 words, so only the first 8 were searched.", `value="suzie homeowner a b c d e f"`, "No enrollments").
		lacks("query.q", "Cannot do that")
}

// TestSeveralStatusesShowInTheFilter: a list filtered by two statuses says
// so in its Status choice (not "Any"), and that choice, sent again, keeps
// both.
func TestSeveralStatusesShowInTheFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.move(f.enroll(f.inst, "Abe", "Approved", true), enroll.StatusApproved, "")
	f.move(f.move(f.enroll(f.inst, "Pia", "Paused", true), enroll.StatusApproved, ""), enroll.StatusPaused, "")
	f.enroll(f.inst, "Sue", "Submitted", true)
	c := f.signedIn(f.secret)

	for _, q := range []string{"status=approved&status=paused", "status=approved%2Cpaused", "status=approved,bogus&status=paused"} {
		res := c.get(Prefix + "/enrollments?" + q).status(http.StatusOK)
		res.contains("2 enrollments", "Abe Approved", "Pia Paused", `<option value="approved,paused" selected>2 statuses: approved or paused</option>`).
			lacks("Sue Submitted", `<option value="approved" selected>`, `<option value="paused" selected>`)
	}
	// One status is one of the usual choices.
	c.get(Prefix + "/enrollments?status=paused").contains(`<option value="paused" selected>paused</option>`).lacks("statuses:")
	c.get(Prefix+"/enrollments?status=paused&status=approved&status=submitted").
		contains(`<option value="paused,approved,submitted" selected>3 statuses: paused, approved or submitted</option>`, "3 enrollments")
}

// TestUnknownFilterValuesGetANote: a filter value the console does not
// know (a mangled or outdated link; the API answers 422) is left out, as
// before, but with a note naming it, as for search text and page links:
// the enrollment list's status, sort, page size and instance, the queue's
// instance, an endpoint's delivery status, and the instance an import link
// preselects.
func TestUnknownFilterValuesGetANote(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Suzie", "Homeowner", true)
	f.enroll(f.inst, "Ina", "Eligible", false)
	c := f.signedIn(f.secret)

	for _, tc := range []struct {
		query string
		notes []string
		rows  string
	}{
		{"status=bogus", []string{"The status “bogus” is not one an enrollment can have, so it was left out."}, "2 enrollments"},
		{"status=submitted,bogus&status=nope", []string{"The statuses “bogus” and “nope” are not ones an enrollment can have, so they were left out."}, "1 enrollment"},
		{"status=%3Cb%3Ex%00%ff", []string{"The status “&lt;b&gt;x\uFFFD\uFFFD” is not one"}, "2 enrollments"},
		{"status=" + strings.Repeat("x", 60), []string{"The status “" + strings.Repeat("x", 40) + "…”"}, "2 enrollments"},
		{"sort=bogus", []string{"There is no sort “bogus”, so the list is sorted newest first."}, "2 enrollments"},
		{"perPage=1000", []string{"The page size “1000” is not one of 50, 25 or 100, so the list shows 50 a page."}, "2 enrollments"},
		{"status=bogus&sort=up&perPage=7", []string{"The status “bogus”", "There is no sort “up”", "The page size “7”"}, "2 enrollments"},
	} {
		res := c.get(Prefix + "/enrollments?" + tc.query).status(http.StatusOK)
		res.contains(tc.notes...).contains(tc.rows, `<p class="notice" role="status">`)
		if strings.Contains(res.Body, "bogus&") || strings.Contains(res.Body, "status=bogus") {
			t.Errorf("%s: the unknown value is carried in the page's links", tc.query)
		}
	}
	// A program instance the workspace does not have (an old bookmark, one
	// deleted since), well-formed or not, is left out with a note: the list
	// shows every instance, as its menu says, not nothing under "All".
	unknown := enroll.NewID()
	for _, id := range []string{unknown, "zzz", strings.Repeat("z", 300)} {
		note := "The program instance " + shown(id) + " is not one your key can see, so it was left out."
		for _, page := range []string{"/enrollments?status=submitted&", "/queue?"} {
			res := c.get(Prefix + page + "instance=" + id).status(http.StatusOK)
			res.contains(note, "Suzie Homeowner", `<option value="">All</option>`).lacks("No enrollments match", "Nothing waiting", " selected>Solar")
			if strings.Contains(res.Body, "instance="+id) {
				t.Errorf("%s: the unknown instance is carried in the page's links", page)
			}
		}
	}
	// A known one filters, and its menu shows it.
	c.get(Prefix+"/queue?instance="+f.inst.ID).status(http.StatusOK).
		contains("Suzie Homeowner", `<option value="`+f.inst.ID+`" selected>`).lacks(`<p class="notice" role="status">`)
	c.get(Prefix+"/queue?instance="+f.other.ID).status(http.StatusOK).
		contains("Nothing waiting", `<option value="`+f.other.ID+`" selected>`).lacks(`<p class="notice" role="status">`)

	// What the menus send is known: no note. "" is the Status menu's Any.
	c.get(Prefix + "/enrollments?q=&status=&sort=-createdAt&perPage=50").status(http.StatusOK).
		contains("2 enrollments").lacks(`<p class="notice"`)

	// An endpoint's delivery filter.
	ep := f.endpoint("https://receiver.example/hooks")
	f.enroll(f.other, "Ray", "Refused", false)
	f.deliver(func(*enroll.WebhookDelivery) enroll.DeliveryOutcome {
		return answered(0, "connection refused", enroll.DeliveryFailed)
	})
	all := plural(len(f.deliveries(ep.ID)), "delivery", "deliveries")
	c.get(endpointPath(ep.ID)+"?status=bogus").status(http.StatusOK).
		contains("The delivery status “bogus” is not one of pending, succeeded or failed, so every delivery is shown.",
			"· "+all, `aria-current="true">All<`)
	c.get(endpointPath(ep.ID)+"?status=bogus&pageToken=garbage").status(http.StatusOK).
		contains("The delivery status “bogus”", "That page link no longer fits this list")
	c.get(endpointPath(ep.ID) + "?status=failed").status(http.StatusOK).contains(`aria-current="true">failed<`).lacks(`<p class="notice"`)
	c.get(endpointPath(ep.ID)+"?status=failed&status=succeeded").status(http.StatusOK).
		contains(`aria-current="true">failed<`, "Deliveries are shown for one status at a time, so only “failed” ones are.")

	// An import link naming an instance the form does not offer preselects
	// none, so the file cannot go to another one by mistake.
	archived := f.newInstance(&enroll.ProgramInstance{Slug: "y2024", Name: "Solar Rebate 2024"})
	if _, err := f.store.UpdateInstance(f.ctx, f.actor(), archived.ID, func(in *enroll.ProgramInstance) error {
		in.Status = enroll.InstanceArchived
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{archived.ID, "bogus"} {
		c.get(Prefix+"/imports?instance="+id).status(http.StatusOK).
			contains("The program instance “"+id+"” is not an active instance your key can import into; choose one below.",
				`<option value="">Choose a program instance</option>`).lacks(" selected")
	}
	c.get(Prefix+"/imports?instance="+f.other.ID).status(http.StatusOK).
		contains(`<option value="`+f.other.ID+`" selected>`).lacks(`<p class="notice"`, "Choose a program instance")
}

// TestInstanceMenusNameThePrograms: instances of two programs that share a
// name (each program's "2026" season) can be told apart in every menu that
// lists instances, the Imports target above all, and in the rows: each
// names its program, and the menus list them by program, then instance.
// They read "2026" twice, and "2026 (2026)" twice on the Imports page.
func TestInstanceMenusNameThePrograms(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	season := map[string]*enroll.ProgramInstance{}
	for _, name := range []string{"Wind", "Hydro"} {
		p := &enroll.Program{Slug: strings.ToLower(name), Name: name, Active: true}
		if err := f.store.CreateProgram(f.ctx, f.actor(), p); err != nil {
			t.Fatal(err)
		}
		in := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive, AutoEvaluate: true}
		if err := f.store.CreateInstance(f.ctx, f.actor(), in); err != nil {
			t.Fatal(err)
		}
		season[name] = in
	}
	f.enroll(season["Wind"], "Wendy", "Windmill", true)
	c := f.signedIn(f.secret)

	want := []string{
		season["Hydro"].ID + " Hydro — 2026",
		f.other.ID + " Solar Rebate — Solar Rebate 2025",
		f.inst.ID + " Solar Rebate — Solar Rebate 2026",
		season["Wind"].ID + " Wind — 2026",
	}
	list := c.get(Prefix + "/enrollments").status(http.StatusOK)
	if got := options(list, "instance"); !slices.Equal(got, want) {
		t.Errorf("list menu = %q, want %q", got, want)
	}
	list.contains(`<td data-label="Instance">Wind — 2026</td>`)
	queue := c.get(Prefix + "/queue?instance=" + season["Wind"].ID).status(http.StatusOK)
	if got := options(queue, "instance"); !slices.Equal(got, want) {
		t.Errorf("queue menu = %q, want %q", got, want)
	}
	queue.contains(`<option value="`+season["Wind"].ID+`" selected>Wind — 2026</option>`, "wendy.windmill@example.com · Wind — 2026 · waiting")
	imports := c.get(Prefix + "/imports").status(http.StatusOK)
	slugs := []string{" (2026)", " (y2025)", " (y2026)", " (2026)"}
	for i := range want {
		want[i] += slugs[i]
	}
	if got := options(imports, "import-instance"); !slices.Equal(got, want) {
		t.Errorf("imports menu = %q, want %q", got, want)
	}
}

// TestWrongMethodIsNotAllowed: a method a console page does not take (a
// POST to a page that only shows, a PUT, a DELETE) answers 405 with the
// Allow header and the console's error page, as the API answers it, not a
// 404 that says the page does not exist; a path the console does not have
// is still a 404, and the GET of a form's address still redirects.
func TestWrongMethodIsNotAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Suzie", "Homeowner", true)
	s := f.signedIn(f.secret)
	csrf := s.get(Prefix + "/enrollments").field("csrf")
	for _, tc := range []struct {
		method, path, allow string
	}{
		{http.MethodPost, "/enrollments", "GET, HEAD"},
		{http.MethodPut, "/enrollments", "GET, HEAD"},
		{http.MethodDelete, "/enrollments/" + e.ID, "GET, HEAD"},
		{http.MethodPatch, "/enrollments/" + e.ID + "/notes", "GET, HEAD, POST"},
		{http.MethodOptions, "/imports", "GET, HEAD, POST"},
		{http.MethodPut, "/webhooks", "GET, HEAD, POST"},
		{http.MethodDelete, "/signin", "GET, HEAD, POST"},
		{http.MethodPost, "/", "GET, HEAD"},
		{http.MethodPost, "/assets/console.css", "GET, HEAD"},
	} {
		for _, c := range []*client{s, f.client()} {
			req, _ := http.NewRequest(tc.method, f.srv.URL+Prefix+tc.path, strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := c.do(req).status(http.StatusMethodNotAllowed).
				contains("<h1 id=\"error-title\">Method not allowed</h1>", "does not take a "+tc.method+" request").lacks("There is no console page")
			if got := res.Header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
			}
		}
	}
	s.get(Prefix + "/enrollments").status(http.StatusOK).contains("Suzie Homeowner")
	req, _ := http.NewRequest(http.MethodPut, f.srv.URL+Prefix+"/nowhere", nil)
	if res := s.do(req).status(http.StatusNotFound).contains("There is no console page"); res.Header.Get("Allow") != "" {
		t.Errorf("a path the console does not have: Allow %q", res.Header.Get("Allow"))
	}
	s.noFollow().get(Prefix + "/enrollments/" + e.ID + "/notes").status(http.StatusSeeOther)
}

// options lists the choices of the page's select id, each as its value, a
// space and its text, leaving out the empty "All" or "Choose" one.
func options(res *response, id string) []string {
	sel := regexp.MustCompile(`(?s)<select id="` + id + `".*?</select>`).FindString(res.Body)
	var out []string
	for _, m := range regexp.MustCompile(`<option value="([^"]+)"[^>]*>([^<]*)</option>`).FindAllStringSubmatch(sel, -1) {
		out = append(out, m[1]+" "+html.UnescapeString(m[2]))
	}
	return out
}
