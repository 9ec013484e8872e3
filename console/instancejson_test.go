package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDetailsOffset24: a start date whose offset is +24:00 is not RFC
// 3339 (time-hour is 00-23). It is refused under its field with a 422 and
// what was typed kept, as docs/console.md says; the console answered 500,
// because enroll.ParseTime (time.Parse) took it and the store then could
// not encode it (Time.MarshalJSON refuses the offset).
func TestDetailsOffset24(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	c.post(instancePath(f.inst.ID)+"/details", detailsValues(page, "Solar Rebate 2026", "y2026", "2026-01-01T00:00:00+24:00", "", "")).
		status(http.StatusUnprocessableEntity).contains(`id="inst-start-error">`, `value="2026-01-01T00:00:00&#43;24:00"`)
}

// TestListMemberCase: the parameters textarea refuses a member named in
// another letter case, as the API's PATCH does ("body.parameters[0].
// constraints.Hidden: unexpected property"). encoding/json read it as its
// field, and a member named twice in two cases passed enroll.CheckJSON,
// the last winning: the declaration below was saved with hidden false, a
// hidden parameter's values shown to every key. docs/console.md: "an
// unknown member ... is refused, as are a member named twice".
func TestListMemberCase(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		`[{"externalId": "inspector_code", "name": "Inspector code", "type": "string", "constraints": {"hidden": true, "Hidden": false}}]`,
		`[{"externalId": "kw", "name": "kW", "Type": "number"}]`,
	} {
		f := newFixture(t)
		c := f.signedIn(f.secret)
		page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
		c.post(instancePath(f.inst.ID)+"/parameters", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")}, "parameters": {text}}).
			status(http.StatusUnprocessableEntity)
		if got := f.findInstance(f.inst.ID); got.UpdatedAt != f.inst.UpdatedAt {
			t.Errorf("%s saved as %+v", text, got.Parameters)
		}
	}
}

// TestGroupIDPastTheAPILimit: the groups form refuses a group id over 100
// characters, the API schema's limit (enroll.Group, maxLength 100), which
// the domain now holds as it does a parameter's externalId; checked as a
// name (256), a 150-character id was stored that the API then refused in
// every PATCH sending the groups back, and in the enrollments' groupIds.
func TestGroupIDPastTheAPILimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signedIn(f.secret)
	page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
	long := strings.Repeat("g", 150)
	res := c.post(instancePath(f.inst.ID)+"/groups", url.Values{"csrf": {page.field("csrf")}, "etag": {page.field("etag")},
		"groups": {`[{"id": "` + long + `", "name": "Long"}]`}})
	if got := f.findInstance(f.inst.ID); len(got.Groups) == 1 && got.Groups[0].ID == long {
		t.Errorf("the groups form stored a group id of 150 characters (API schema: at most 100); answered %d", res.Status)
	}
}
