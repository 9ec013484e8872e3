package console

import (
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
)

// TestRulesTestNeedsEnrollmentsRead: the rules form's Test counts, per
// rule, the instance's current enrollments a draft rule passes, so any
// member of them can be read out a count at a time; the API's rules test
// refuses current: true to a key without enrollments:read (403), and the
// console, which runs the same test, must too. Saving rules and trying
// them on a typed sample stay programs:write's.
func TestRulesTestNeedsEnrollmentsRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.enroll(f.inst, "Ada", "Probe", false)
	probe := [3]string{"probe", `enrollment.firstName.startsWith("Ad")`, "no"}
	for _, tc := range []struct {
		name   string
		scopes []enroll.Scope
		// test is the answer to do=test; offered whether the page has
		// the Test button.
		test    int
		offered bool
	}{
		{"programs:write alone", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeProgramsWrite}, http.StatusForbidden, false},
		{"with enrollments:read", []enroll.Scope{enroll.ScopeProgramsRead, enroll.ScopeProgramsWrite, enroll.ScopeEnrollmentsRead},
			http.StatusOK, true},
	} {
		secret, _ := f.newKey(tc.name, tc.scopes)
		c := f.signedIn(secret)
		page := c.get(instancePath(f.inst.ID)).status(http.StatusOK).contains("Save rules", "Try sample")
		if tc.offered {
			page.contains(`name="do" value="test"`)
		} else {
			page.lacks(`name="do" value="test"`)
		}
		got := c.post(instancePath(f.inst.ID)+"/rules", rulesFormValues(page, "test", probe)).status(tc.test)
		if tc.test == http.StatusForbidden {
			got.contains("lacks the enrollments:read scope").lacks("data-rules-test", "data-rule-count", "1 passed")
		} else {
			got.contains("data-rules-test", "1 passed")
		}
		// Trying a typed sample reads no stored enrollment.
		sample := rulesFormValues(page, "sample", probe)
		sample.Set("sample", `{"firstName": "Ada"}`)
		c.post(instancePath(f.inst.ID)+"/rules", sample).status(http.StatusOK)
	}
}
