package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/enrollhq/enroll"
)

// formETag returns the etag field of the form whose action ends in
// action, in page.
func formETag(t *testing.T, page, action string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) string {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val
			}
		}
		return ""
	}
	var inForm func(*html.Node) string
	inForm = func(n *html.Node) string {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == "etag" {
			return attr(n, "value")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if v := inForm(c); v != "" {
				return v
			}
		}
		return ""
	}
	var find func(*html.Node) string
	find = func(n *html.Node) string {
		if n.Type == html.ElementNode && n.Data == "form" && strings.HasSuffix(attr(n, "action"), action) {
			return inForm(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if v := find(c); v != "" {
				return v
			}
		}
		return ""
	}
	v := find(doc)
	if v == "" {
		t.Fatalf("no etag in the form of %s", action)
	}
	return v
}

// TestInstanceRetypedFormKeepsItsVersion: a form shown again with what was
// typed (after a rules test, a sample, or a refusal of what was typed)
// must keep the version the typing started from. Shown again with the
// instance's current ETag, a save from it overwrote, with no conflict
// banner, what someone else had saved meanwhile: the rules someone saved
// while the administrator tested theirs were silently replaced.
func TestInstanceRetypedFormKeepsItsVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, form string
		// first is shown again with what was typed (200 or 422); then
		// second, from that page, must be refused as stale.
		first, second func(page *response, etag string) url.Values
		want          int
	}{
		{name: "rules test", form: "rules", want: http.StatusOK,
			first: func(page *response, etag string) url.Values {
				v := rulesFormValues(page, "test", [3]string{"typed", "true", "kept"})
				v.Set("etag", etag)
				return v
			},
			second: func(page *response, etag string) url.Values {
				v := rulesFormValues(page, "save", [3]string{"typed", "true", "kept"})
				v.Set("etag", etag)
				return v
			}},
		{name: "rules sample", form: "rules", want: http.StatusOK,
			first: func(page *response, etag string) url.Values {
				v := rulesFormValues(page, "sample", [3]string{"typed", "true", "kept"})
				v.Set("etag", etag)
				v.Set("sample", `{"firstName": "Ada"}`)
				return v
			},
			second: func(page *response, etag string) url.Values {
				v := rulesFormValues(page, "save", [3]string{"typed", "true", "kept"})
				v.Set("etag", etag)
				return v
			}},
		{name: "details", form: "details", want: http.StatusUnprocessableEntity,
			first: func(page *response, etag string) url.Values {
				v := detailsValues(page, "Typed name", "y2026", "not a date", "", "")
				v.Set("etag", etag)
				return v
			},
			second: func(page *response, etag string) url.Values {
				v := detailsValues(page, "Typed name", "y2026", "", "", "")
				v.Set("etag", etag)
				return v
			}},
		{name: "parameters", form: "parameters", want: http.StatusUnprocessableEntity,
			first: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "parameters": {"[{"}}
			},
			second: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "parameters": {"[]"}}
			}},
		{name: "groups", form: "groups", want: http.StatusUnprocessableEntity,
			first: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "groups": {`[{"id": "x"}`}}
			},
			second: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "groups": {`[]`}}
			}},
		{name: "settings", form: "settings", want: http.StatusUnprocessableEntity,
			first: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "status": {"inactive"}, "capacity": {"12x"}}
			},
			second: func(page *response, etag string) url.Values {
				return url.Values{"csrf": {page.field("csrf")}, "etag": {etag}, "status": {"inactive"}, "capacity": {"12"}}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c := f.signedIn(f.secret)
			path := instancePath(f.inst.ID) + "/" + tc.form
			page := c.get(instancePath(f.inst.ID)).status(http.StatusOK)
			// Someone else changes the instance (rules, name, lists and
			// settings all at once) while the page is open.
			other, err := f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
				in.Name = "Renamed elsewhere"
				in.EligibilityRules = []enroll.Rule{{Name: "saved-elsewhere", Expression: "true", Reason: "by someone else"}}
				in.Groups = append(in.Groups, enroll.Group{ID: "south", Name: "Southern territory"})
				in.Parameters = in.Parameters[:1]
				in.Status = enroll.InstanceArchived
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			shown := c.post(path, tc.first(page, formETag(t, page.Body, "/"+tc.form))).status(tc.want)
			c.post(path, tc.second(shown, formETag(t, shown.Body, "/"+tc.form))).
				status(http.StatusConflict).contains("Someone else changed this program instance")
			got := f.findInstance(f.inst.ID)
			if got.UpdatedAt != other.UpdatedAt || got.Name != "Renamed elsewhere" || got.RulesVersion != other.RulesVersion ||
				len(got.Groups) != 2 || len(got.Parameters) != 1 || got.Status != enroll.InstanceArchived {
				t.Errorf("a save from a form typed on an older version replaced someone else's change: %+v", got)
			}
		})
	}
}
