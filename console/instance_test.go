package console

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// rulesForm returns the rules form's values: the rows given (name,
// expression, reason, each), blank rows after them, as a browser sends
// them, and do ("test" or "save").
func rulesFormValues(page *response, do string, rows ...[3]string) url.Values {
	v := url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "do": {do}}
	for _, r := range append(rows, [3]string{}, [3]string{}) {
		v.Add("name", r[0])
		v.Add("expression", r[1])
		v.Add("reason", r[2])
	}
	return v
}

// findInstance reads an instance back.
func (f *fixture) findInstance(id string) *enroll.ProgramInstance {
	f.t.Helper()
	in, err := f.store.FindInstance(f.ctx, f.wsID, id)
	if err != nil {
		f.t.Fatalf("find instance %s: %v", id, err)
	}
	return in
}

func TestInstancePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	c.get(Prefix + "/").status(http.StatusOK).contains(`<a href="/console/instances/` + f.inst.ID + `">Solar Rebate 2026</a>`)
	c.get(instancePath(f.inst.ID)).status(http.StatusOK).contains(
		"<h1>Solar Rebate — Solar Rebate 2026</h1>", "solar-rebate/y2026", `data-capacity>100 (0 taken`, `data-rules-version>1<`,
		`value="in-ny"`, `has(enrollment.address) &amp;&amp; enrollment.address.state == &#34;NY&#34;</textarea>`, `value="Outside service area"`,
		"roof_age", "Roof age (years)", "inspector_code", "hidden", "north", "Northern territory",
		`action="/console/instances/`+f.inst.ID+`/settings"`, `action="/console/instances/`+f.inst.ID+`/rules"`,
		`<option value="active" selected>`, `name="autoEvaluate" type="checkbox" value="true" checked`)
	c.get(instancePath("nosuchid")).status(http.StatusNotFound)
	c.get(instancePath(enroll.NewID())).status(http.StatusNotFound)
}

func TestInstanceSettingsForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, status, capacity, auto string
		want                         int
		shows                        []string
		// check is the instance as saved, nil when nothing may change.
		check func(*enroll.ProgramInstance) bool
	}{
		{name: "saved", status: "inactive", capacity: "", auto: "", want: http.StatusOK, shows: []string{"Settings saved."},
			check: func(in *enroll.ProgramInstance) bool {
				return in.Status == enroll.InstanceInactive && in.Capacity == nil && !in.AutoEvaluate
			}},
		{name: "capacity", status: "archived", capacity: " 7 ", auto: "true", want: http.StatusOK,
			check: func(in *enroll.ProgramInstance) bool {
				return in.Status == enroll.InstanceArchived && in.Capacity != nil && *in.Capacity == 7 && in.AutoEvaluate
			}},
		{name: "not a number", status: "inactive", capacity: "12x", want: http.StatusUnprocessableEntity,
			shows: []string{"Must be a whole number, or empty for no capacity.", `value="12x"`, `<option value="inactive" selected>`}},
		{name: "negative", status: "inactive", capacity: "-3", want: http.StatusUnprocessableEntity,
			shows: []string{"Must not be negative.", `value="-3"`, `aria-invalid="true"`, "The settings were not saved"}},
		{name: "unknown status", status: "paused", capacity: "5", want: http.StatusUnprocessableEntity,
			shows: []string{"Must be active, inactive or archived.", `value="5"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			before := f.eventCount(f.inst.ID)
			c := f.signedIn(f.secret)
			page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
			res := c.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")},
				"status": {tc.status}, "capacity": {tc.capacity}, "autoEvaluate": {tc.auto}}).status(tc.want).contains(tc.shows...)
			got, events := f.findInstance(f.inst.ID), f.eventCount(f.inst.ID)
			if tc.check == nil {
				if got.UpdatedAt != f.inst.UpdatedAt || events != before {
					t.Errorf("refused form changed the instance: %+v, %d events", got, events-before)
				}
				if res.URL.Path != instancePath(f.inst.ID)+"/settings" {
					t.Errorf("refusal shown at %s, want the form's address", res.URL.Path)
				}
				return
			}
			if !tc.check(got) || events != before+1 {
				t.Errorf("saved %s, capacity %v, autoEvaluate %v, with %d events", got.Status, got.Capacity, got.AutoEvaluate, events-before)
			}
			if res.URL.Path != instancePath(f.inst.ID) {
				t.Errorf("landed on %s", res.URL.Path)
			}
		})
	}
}

// TestInstanceFormsConflict: a form from a page of an older version of
// the instance saves nothing, and comes back with what was typed.
func TestInstanceFormsConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	if _, err := f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
		in.Name = "Renamed elsewhere"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")},
		"status": {"inactive"}, "capacity": {"42"}}).status(http.StatusConflict).
		contains("Someone else changed this program instance", "Renamed elsewhere", `value="42"`, `<option value="inactive" selected>`)
	c.post(instancePath(f.inst.ID)+"/rules", rulesFormValues(page, "save", [3]string{"typed-rule", "true", "kept"})).
		status(http.StatusConflict).contains("Someone else changed this program instance", `value="typed-rule"`, `value="kept"`)
	c.post(instancePath(f.inst.ID)+"/details", detailsValues(page, "Typed name", "typed-slug", "2026-01-01T00:00:00Z", "", `{"typed": true}`)).
		status(http.StatusConflict).contains("Someone else changed this program instance", `value="Typed name"`, `value="typed-slug"`,
		`value="2026-01-01T00:00:00Z"`, "{&#34;typed&#34;: true}</textarea>")
	for _, list := range []string{"parameters", "groups"} {
		res := c.post(instancePath(f.inst.ID)+"/"+list, url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, list: {"[]"}}).
			status(http.StatusConflict).contains("Someone else changed this program instance", `<details class="list-edit" open>`)
		if v := textareaValue(t, res.Body, list+"-json"); v != "[]" {
			t.Errorf("%s typed [], shown again as %q", list, v)
		}
	}
	if got := f.findInstance(f.inst.ID); got.Status != enroll.InstanceActive || *got.Capacity != 100 || got.RulesVersion != 1 ||
		got.Name != "Renamed elsewhere" || got.Slug != "y2026" || len(got.Parameters) != 2 || len(got.Groups) != 1 {
		t.Errorf("stale forms changed the instance: %+v", got)
	}
}

func TestInstanceRulesForm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Nina", "York", false)
	f.enroll(f.inst, "Cal", "Ifornia", false, func(r *enroll.EnrollmentCreate) { r.Address.State = "CA" })
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	rules := Prefix + "/instances/" + f.inst.ID + "/rules"
	inNY := [3]string{"in-ny", `has(enrollment.address) && enrollment.address.state == "NY"`, "Outside service area"}
	named := [3]string{"named-cal", "enrollment.firstName == \"Cal\"", "Only Cal"}

	// Test: the counts per rule, over current enrollments, nothing saved.
	res := c.post(rules, rulesFormValues(page, "test", inNY, named)).status(http.StatusOK)
	res.contains("Test, not saved:", "2 enrollments evaluated: 0 eligible, 2 ineligible",
		"1 passed · 1 failed · 0 errors", `value="named-cal"`, "enrollment.firstName == &#34;Cal&#34;</textarea>", `value="Only Cal"`)
	if n := strings.Count(res.Body, "data-rule-count"); n != 2 {
		t.Errorf("%d rows with counts, want 2", n)
	}
	// A compile error is shown at its rule's row, and nothing is saved.
	bad := [3]string{"broken", "enrollment.firstName ==", "x"}
	for _, do := range []string{"test", "save"} {
		res := c.post(rules, rulesFormValues(page, do, inNY, bad)).status(http.StatusUnprocessableEntity)
		res.contains(`id="rule-1-expression-error"`, `value="broken"`).lacks(`id="rule-0-expression-error"`, "data-rule-count")
	}
	// A rule without a name, and two of one name, at their rows.
	c.post(rules, rulesFormValues(page, "save", inNY, [3]string{"", "true", ""}, [3]string{"in-ny", "true", ""})).
		status(http.StatusUnprocessableEntity).contains(`id="rule-1-name-error">Is required.`, `id="rule-2-name-error">Must be unique.`)
	if got := f.findInstance(f.inst.ID); got.RulesVersion != 1 || len(got.EligibilityRules) != 1 {
		t.Fatalf("tests and refusals saved rules: v%d %v", got.RulesVersion, got.EligibilityRules)
	}

	// Save: the existing rule removed, a new one added, a new version.
	before := f.eventCount(f.inst.ID)
	v := rulesFormValues(page, "save", inNY, named)
	v.Add("remove", "0")
	c.post(rules, v).status(http.StatusOK).contains("Eligibility rules saved.", `data-rules-version>2<`)
	got := f.findInstance(f.inst.ID)
	if got.RulesVersion != 2 || len(got.EligibilityRules) != 1 || got.EligibilityRules[0] != (enroll.Rule{Name: named[0], Expression: named[1], Reason: named[2]}) {
		t.Errorf("saved v%d %+v", got.RulesVersion, got.EligibilityRules)
	}
	if n := f.eventCount(f.inst.ID); n != before+1 {
		t.Errorf("%d events, want one instance.updated", n-before)
	}
	// A rule of two lines, saved again as shown, with the CRLF line ends
	// browsers send for a textarea: the same rules, no new version.
	if _, err := f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
		in.EligibilityRules[0].Expression = "enrollment.firstName ==\n\"Cal\""
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	page = c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	c.post(rules, rulesFormValues(page, "save", [3]string{named[0], "enrollment.firstName ==\r\n\"Cal\"", named[2]})).status(http.StatusOK)
	if got := f.findInstance(f.inst.ID); got.RulesVersion != 3 {
		t.Errorf("rules version %d after saving them unchanged, want 3", got.RulesVersion)
	}
}

// TestInstanceScopes: programs:read shows the page without forms, and
// its forms are refused; a key limited to instances reaches only its own.
func TestInstanceScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	reader, _ := f.newKey("reader", readScopes)
	c := f.signedIn(reader)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK).contains("in-ny", "Outside service area", "roof_age")
	page.lacks("/settings\"", "/rules\"", "Save rules", "Save settings")
	csrf := page.field("csrf")
	c.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {csrf}, "status": {"archived"}}).
		status(http.StatusForbidden).contains("lacks the programs:write scope", "Nothing was changed")
	c.post(instancePath(f.inst.ID)+"/rules", url.Values{"csrf": {csrf}, "do": {"test"}}).status(http.StatusForbidden)
	// Trying a sample needs programs:write, as the API's rules test does.
	c.post(instancePath(f.inst.ID)+"/rules", url.Values{"csrf": {csrf}, "do": {"sample"}, "sample": {"{}"}}).status(http.StatusForbidden)
	c.post(instancePath(f.inst.ID)+"/details", url.Values{"csrf": {csrf}, "name": {"Renamed"}, "slug": {"renamed"}}).
		status(http.StatusForbidden).contains("lacks the programs:write scope")
	c.post(instancePath(f.inst.ID)+"/parameters", url.Values{"csrf": {csrf}, "parameters": {"[]"}}).status(http.StatusForbidden)
	c.post(instancePath(f.inst.ID)+"/groups", url.Values{"csrf": {csrf}, "groups": {"[]"}}).status(http.StatusForbidden)
	page.lacks("/details\"", "/parameters\"", "/groups\"", "Try sample").contains("No metadata.")

	clerk, _ := f.newKey("clerk", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	f.signedIn(clerk).get(instancePath(f.inst.ID)).status(http.StatusForbidden).contains("lacks the programs:read scope")

	limitedSecret, _ := f.newKey("limited", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeProgramsWrite}, f.other.ID)
	l := f.signedIn(limitedSecret)
	own := l.get(instancePath(f.other.ID)).status(http.StatusOK).contains("Save settings")
	l.get(instancePath(f.inst.ID)).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {own.field("csrf")}, "etag": {enroll.ContentETag(f.findInstance(f.inst.ID))},
		"status": {"archived"}}).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/rules", url.Values{"csrf": {own.field("csrf")}, "do": {"test"}}).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/rules", url.Values{"csrf": {own.field("csrf")}, "do": {"sample"}, "sample": {"{}"}}).status(http.StatusNotFound)
	etag := enroll.ContentETag(f.findInstance(f.inst.ID))
	l.post(instancePath(f.inst.ID)+"/details", url.Values{"csrf": {own.field("csrf")}, "etag": {etag}, "name": {"Renamed"}, "slug": {"y2026"}}).
		status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/groups", url.Values{"csrf": {own.field("csrf")}, "etag": {etag}, "groups": {"[]"}}).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/parameters", url.Values{"csrf": {own.field("csrf")}, "etag": {etag}, "parameters": {"[]"}}).status(http.StatusNotFound)
	if got := f.findInstance(f.inst.ID); got.Status != enroll.InstanceActive || got.Name != "Solar Rebate 2026" || len(got.Groups) != 1 || len(got.Parameters) != 2 {
		t.Errorf("other instance changed: %+v", got)
	}
	l.get(Prefix + "/").status(http.StatusOK).contains("/console/instances/" + f.other.ID).lacks("/console/instances/" + f.inst.ID)
}

// TestInstanceRulesFormLarge: the rules form takes as many rules, as
// long, as the API, past the 64 KiB other forms are limited to.
func TestInstanceRulesFormLarge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	var rows [][3]string
	for i := range 20 {
		rows = append(rows, [3]string{"rule-" + strconv.Itoa(i), "true", strings.Repeat("r", enroll.MaxTextLength)})
	}
	c.post(instancePath(f.inst.ID)+"/rules", rulesFormValues(page, "test", rows...)).status(http.StatusOK).
		contains("Test, not saved:", `value="rule-19"`)
	c.post(instancePath(f.inst.ID)+"/rules", rulesFormValues(page, "save", rows...)).status(http.StatusOK)
	if got := f.findInstance(f.inst.ID); len(got.EligibilityRules) != 20 {
		t.Errorf("%d rules saved, want 20", len(got.EligibilityRules))
	}
}

// detailsValues returns the details form's values as a browser sends them.
func detailsValues(page *response, name, slug, start, end, metadata string) url.Values {
	return url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "name": {name}, "slug": {slug},
		"startDate": {start}, "endDate": {end}, "metadata": {metadata}}
}

func TestInstanceDetailsForm(t *testing.T) {
	t.Parallel()
	jan, jun := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 23, 59, 59, 500_000_000, time.UTC)
	for _, tc := range []struct {
		name, inst, slug, start, end, metadata string
		want                                   int
		shows                                  []string
		// check is the instance as saved, nil when nothing may change.
		check func(*enroll.ProgramInstance) bool
	}{
		{name: "saved", inst: "Solar Rebate 2026 (north)", slug: "y2026-north", start: "2026-01-01T00:00:00Z", end: "2026-06-30T23:59:59.5Z",
			metadata: `{"region": "north", "budget": {"usd": 125000}}`, want: http.StatusOK, shows: []string{"Details saved.", "Solar Rebate 2026 (north)"},
			check: func(in *enroll.ProgramInstance) bool {
				return in.Name == "Solar Rebate 2026 (north)" && in.Slug == "y2026-north" && in.StartDate != nil && in.StartDate.Equal(jan) &&
					in.EndDate != nil && in.EndDate.Equal(jun) && in.Metadata["region"] == "north" && len(in.Metadata) == 2
			}},
		{name: "dates and metadata cleared", inst: "Solar Rebate 2026", slug: "y2026", want: http.StatusOK,
			check: func(in *enroll.ProgramInstance) bool {
				return in.StartDate == nil && in.EndDate == nil && len(in.Metadata) == 0
			}},
		{name: "not a date-time", inst: "Kept name", slug: "y2026", start: "2026-01-01", metadata: `{"a": 1}`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-start-error">Must be a date-time in RFC 3339 form`, `value="2026-01-01"`, `value="Kept name"`, "{&#34;a&#34;: 1}</textarea>"}},
		{name: "end before start", inst: "Solar Rebate 2026", slug: "y2026", start: "2026-06-01T00:00:00Z", end: "2026-01-01T00:00:00Z",
			want: http.StatusUnprocessableEntity, shows: []string{`id="inst-end-error">Must not be before startDate.`, `value="2026-06-01T00:00:00Z"`}},
		{name: "no name, bad slug", inst: "", slug: "Not A Slug", want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-name-error">Is required.`, `id="inst-slug-error">Must be lowercase letters`, `value="Not A Slug"`, "The details were not saved"}},
		{name: "name not UTF-8", inst: "a\xffb", slug: "y2026", want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-name-error">`, "value=\"a\uFFFDb\""}},
		{name: "slug of another instance", inst: "Solar Rebate 2026", slug: "y2025", want: http.StatusConflict,
			shows: []string{`id="inst-slug-error">The program already has an instance with slug`, `value="y2025"`}},
		{name: "metadata not JSON", inst: "Solar Rebate 2026", slug: "y2026", metadata: `{"region": north}`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-metadata-error">Must be a JSON object: invalid character`, "{&#34;region&#34;: north}</textarea>"}},
		{name: "metadata a list", inst: "Solar Rebate 2026", slug: "y2026", metadata: `["north"]`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-metadata-error">Must be a JSON object, not array.`}},
		{name: "metadata member twice", inst: "Solar Rebate 2026", slug: "y2026", metadata: `{"a": 1, "a": 2}`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="inst-metadata-error">The JSON names member &#34;a&#34; twice`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			var err error
			if f.inst, err = f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
				start, end := jan.AddDate(-1, 0, 0), jan.Add(-time.Second)
				in.StartDate, in.EndDate, in.Metadata = &start, &end, map[string]any{"region": "south"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			before := f.eventCount(f.inst.ID)
			c := f.signedIn(f.secret)
			page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
			res := c.post(instancePath(f.inst.ID)+"/details", detailsValues(page, tc.inst, tc.slug, tc.start, tc.end, tc.metadata)).
				status(tc.want).contains(tc.shows...)
			got, events := f.findInstance(f.inst.ID), f.eventCount(f.inst.ID)
			if tc.check == nil {
				if got.UpdatedAt != f.inst.UpdatedAt || events != before {
					t.Errorf("refused form changed the instance: %+v, %d events", got, events-before)
				}
				if res.URL.Path != instancePath(f.inst.ID)+"/details" {
					t.Errorf("refusal shown at %s, want the form's address", res.URL.Path)
				}
				res.lacks("Someone else changed this program instance")
				return
			}
			if !tc.check(got) || events != before+1 {
				t.Errorf("saved %+v with %d events", got, events-before)
			}
			// Sent again as shown, the form changes nothing: its dates and
			// metadata read as saved.
			page = c.get(instancePath(f.inst.ID)).status(http.StatusOK)
			c.post(instancePath(f.inst.ID)+"/details", detailsValues(page, inputValue(t, page, "inst-name"), inputValue(t, page, "inst-slug"),
				inputValue(t, page, "inst-start"), inputValue(t, page, "inst-end"), textareaValue(t, page.Body, "inst-metadata"))).status(http.StatusOK)
			if again := f.findInstance(f.inst.ID); again.UpdatedAt != got.UpdatedAt || f.eventCount(f.inst.ID) != events {
				t.Errorf("the form sent back as shown changed the instance: %+v", again)
			}
		})
	}
}

// inputValue returns the value of the input id of page.
func inputValue(t *testing.T, page *response, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<input id="` + regexp.QuoteMeta(id) + `"[^>]* value="([^"]*)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no input #%s", id)
	}
	return html.UnescapeString(m[1])
}

func TestInstanceListForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, list, text string
		want             int
		shows            []string
		// check is the instance as saved, nil when nothing may change.
		check func(*enroll.ProgramInstance) bool
	}{
		{name: "parameters replaced", list: "parameters", want: http.StatusOK, shows: []string{"Parameters saved.", "Heat pump"},
			text: `[{"externalId": "roof_age", "name": "Roof age (years)", "type": "number", "constraints": {"required": true}},
				{"externalId": "heat_pump", "name": "Heat pump", "type": "choice", "constraints": {"options": ["air", "ground"]}}]`,
			check: func(in *enroll.ProgramInstance) bool {
				return len(in.Parameters) == 2 && in.Parameters[1].ExternalID == "heat_pump" && len(in.Parameters[1].Constraints.Options) == 2 &&
					in.Parameters[0].Constraints.Required
			}},
		{name: "groups replaced", list: "groups", text: `[{"id": "south", "name": "Southern territory"}]`, want: http.StatusOK,
			shows: []string{"Groups saved.", "Southern territory"},
			check: func(in *enroll.ProgramInstance) bool { return len(in.Groups) == 1 && in.Groups[0].ID == "south" }},
		{name: "groups emptied", list: "groups", text: "", want: http.StatusOK, shows: []string{"No groups."},
			check: func(in *enroll.ProgramInstance) bool { return len(in.Groups) == 0 }},
		{name: "unknown type", list: "parameters", want: http.StatusUnprocessableEntity,
			text:  `[{"externalId": "roof_age", "name": "Roof age", "type": "number"}, {"externalId": "kw", "name": "kW", "type": "float"}]`,
			shows: []string{`id="parameters-json-error"`, "<li>parameters[1].type: Must be one of string, number", "&#34;float&#34;}]</textarea>", "Parameters were not saved"}},
		{name: "pattern on a number", list: "parameters", want: http.StatusUnprocessableEntity,
			text:  `[{"externalId": "kw", "name": "kW", "type": "number", "constraints": {"pattern": "^[0-9]+$"}}]`,
			shows: []string{"<li>parameters[0].constraints.pattern: Applies to string and choice parameters only.</li>"}},
		{name: "unknown member", list: "parameters", want: http.StatusUnprocessableEntity,
			text:  `[{"externalId": "kw", "name": "kW", "type": "number", "required": true}]`,
			shows: []string{`<li>Must be a JSON list of parameters: unknown field &#34;required&#34;.</li>`}},
		{name: "not a list", list: "groups", text: `{"id": "south"}`, want: http.StatusUnprocessableEntity,
			shows: []string{`<li>Must be a JSON list of groups, not object.</li>`, `<details class="list-edit" open>`}},
		{name: "wrong member type", list: "groups", text: `[{"id": 7, "name": "Seven"}]`, want: http.StatusUnprocessableEntity,
			shows: []string{`<li>Must be a JSON list of groups: member id must be a string, not number.</li>`}},
		{name: "group twice", list: "groups", text: `[{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]`, want: http.StatusUnprocessableEntity,
			shows: []string{`<li>groups[1].id: Must be unique.</li>`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			before := f.eventCount(f.inst.ID)
			c := f.signedIn(f.secret)
			page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
			res := c.post(instancePath(f.inst.ID)+"/"+tc.list, url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, tc.list: {tc.text}}).
				status(tc.want).contains(tc.shows...)
			got, events := f.findInstance(f.inst.ID), f.eventCount(f.inst.ID)
			if tc.check == nil {
				if got.UpdatedAt != f.inst.UpdatedAt || events != before {
					t.Errorf("refused form changed the instance: %+v, %d events", got, events-before)
				}
				if res.URL.Path != instancePath(f.inst.ID)+"/"+tc.list {
					t.Errorf("refusal shown at %s, want the form's address", res.URL.Path)
				}
				if v := textareaValue(t, res.Body, tc.list+"-json"); v != tc.text {
					t.Errorf("typed %q, shown again as %q", tc.text, v)
				}
				return
			}
			if !tc.check(got) || events != before+1 {
				t.Errorf("saved %+v, %+v with %d events", got.Parameters, got.Groups, events-before)
			}
		})
	}
}

// TestInstanceRulesSample: Try sample evaluates the rules as typed on a
// sample enrollment and shows the trace, saving nothing; what is wrong
// with the sample is shown at its textarea, with what was typed.
func TestInstanceRulesSample(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	rules := Prefix + "/instances/" + f.inst.ID + "/rules"
	inNY := [3]string{"in-ny", `has(enrollment.address) && enrollment.address.state == "NY"`, "Outside service area"}
	old := [3]string{"old-roof", `enrollment.params.roof_age >= 10`, "Roof too new"}
	try := func(sample, customer string, rows ...[3]string) url.Values {
		v := rulesFormValues(page, "sample", rows...)
		v.Set("sample", sample)
		v.Set("customer", customer)
		return v
	}
	before := f.eventCount(f.inst.ID)

	// The saved rule passes, the drafted one fails, with its reason.
	res := c.post(rules, try(`{"firstName": "Ada", "address": {"state": "NY"}, "parameters": [{"externalId": "roof_age", "value": 4}]}`, "", inNY, old)).
		status(http.StatusOK)
	res.contains("Sample, not saved:", `s-ineligible">ineligible</span> under rules version 2 — <span class="reason">Roof too new</span>`,
		`<li class="o-passed"><span class="outcome">passed</span> <span class="rule">in-ny</span>`,
		`<li class="o-failed"><span class="outcome">failed</span> <span class="rule">old-roof</span> <span class="msg">Roof too new</span>`,
		`value="old-roof"`)
	if v := textareaValue(t, res.Body, "sample-enrollment"); !strings.Contains(v, `"roof_age"`) {
		t.Errorf("sample shown again as %q", v)
	}
	// The saved rules alone: eligible, the same rules version.
	c.post(rules, try(`{"address": {"state": "NY"}}`, "", inNY)).status(http.StatusOK).contains(`s-eligible">eligible</span> under rules version 1`)
	// A customer given is what rules read.
	c.post(rules, try(`{}`, `{"metadata": {"tier": "gold"}}`, [3]string{"gold", `customer.metadata.tier == "gold"`, "Gold only"})).
		status(http.StatusOK).contains(`<li class="o-passed"><span class="outcome">passed</span> <span class="rule">gold</span>`)

	for _, tc := range []struct {
		name, sample, customer string
		want                   int
		shows                  []string
	}{
		{name: "empty", want: http.StatusUnprocessableEntity, shows: []string{`id="sample-enrollment-error" data-sample-error>Type a sample enrollment`}},
		{name: "not JSON", sample: `{"firstName": Ada}`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="sample-enrollment-error" data-sample-error>Must be a JSON object: invalid character`, "{&#34;firstName&#34;: Ada}</textarea>"}},
		{name: "a list", sample: `[]`, want: http.StatusUnprocessableEntity, shows: []string{`data-sample-error>Must be a JSON object, not array.`}},
		{name: "customer not an object", sample: `{}`, customer: `"gold"`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="sample-customer-error" data-sample-error>Must be a JSON object, or empty for the sample&#39;s own, not string.`}},
		{name: "wrong member type", sample: `{"address": "NY"}`, want: http.StatusUnprocessableEntity,
			shows: []string{`id="sample-enrollment-error" data-sample-error>enrollment.address: Must be an object, not a string.`, "The sample was not tried"}},
		{name: "no such customer", sample: `{"customerId": "nosuchcustomerzzzzzzzzzz"}`, want: http.StatusUnprocessableEntity,
			shows: []string{`data-sample-error>enrollment.customerId: Names no customer of the workspace.`}},
	} {
		c.post(rules, try(tc.sample, tc.customer, inNY)).status(tc.want).contains(tc.shows...).lacks("data-sample-result")
	}
	// A rule that does not compile is shown at its row, as by Test.
	c.post(rules, try(`{}`, "", inNY, [3]string{"broken", "enrollment.firstName ==", ""})).status(http.StatusUnprocessableEntity).
		contains(`id="rule-1-expression-error"`).lacks("data-sample-result")

	// A stored customer needs enrollments:read, as in the API.
	e := f.enroll(f.inst, "Nina", "York", false)
	sample := `{"customerId": "` + e.CustomerID + `"}`
	c.post(rules, try(sample, "", [3]string{"nina", `customer.firstName == "Nina"`, ""})).status(http.StatusOK).
		contains(`<span class="outcome">passed</span> <span class="rule">nina</span>`)
	writer, _ := f.newKey("writer", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeProgramsWrite})
	w := f.signedIn(writer)
	wp := w.get(instancePath(f.inst.ID)).status(http.StatusOK)
	v := rulesFormValues(wp, "sample", inNY)
	v.Set("sample", sample)
	w.post(rules, v).status(http.StatusForbidden).contains(`data-sample-error>This API key lacks the enrollments:read scope, needed to try rules on a stored customer.`)

	if got := f.findInstance(f.inst.ID); got.RulesVersion != 1 || f.eventCount(f.inst.ID) != before {
		t.Errorf("trying samples changed the instance: rules v%d", got.RulesVersion)
	}
}
