package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
	if got := f.findInstance(f.inst.ID); got.Status != enroll.InstanceActive || *got.Capacity != 100 || got.RulesVersion != 1 {
		t.Errorf("stale forms changed the instance: %s, %d, rules v%d", got.Status, *got.Capacity, got.RulesVersion)
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

	clerk, _ := f.newKey("clerk", []enroll.Scope{enroll.ScopeEnrollmentsRead})
	f.signedIn(clerk).get(instancePath(f.inst.ID)).status(http.StatusForbidden).contains("lacks the programs:read scope")

	limitedSecret, _ := f.newKey("limited", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeProgramsWrite}, f.other.ID)
	l := f.signedIn(limitedSecret)
	own := l.get(instancePath(f.other.ID)).status(http.StatusOK).contains("Save settings")
	l.get(instancePath(f.inst.ID)).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/settings", url.Values{"csrf": {own.field("csrf")}, "etag": {enroll.ContentETag(f.findInstance(f.inst.ID))},
		"status": {"archived"}}).status(http.StatusNotFound)
	l.post(instancePath(f.inst.ID)+"/rules", url.Values{"csrf": {own.field("csrf")}, "do": {"test"}}).status(http.StatusNotFound)
	if got := f.findInstance(f.inst.ID); got.Status != enroll.InstanceActive {
		t.Errorf("other instance changed: %s", got.Status)
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
