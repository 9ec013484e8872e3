package console

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestH4BrowserRefusalInView: a form low on its page that is refused
// (the rules, the parameters, the groups, a new webhook endpoint) or that
// answers with a result (a rules test, a sample tried) comes back as a
// whole page, which the browser shows from its top. What the person must
// read next (why nothing was saved, or the result) has the focus, and so
// is on screen and read out, rather than below the fold with the focus
// left on the page's body, where the page looked as if nothing happened.
func TestH4BrowserRefusalInView(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 3 {
		f.enroll(f.inst, "Ann", fmt.Sprint("Waiting", i), true)
	}
	for i := range 12 {
		f.endpoint(fmt.Sprintf("https://hooks.example.com/%d", i))
	}
	b := startBrowser(t, f)
	b.do(chromedp.EmulateViewport(1280, 800))

	ip := instancePath(f.inst.ID)
	for _, tc := range []struct {
		name, path, js string
		// shown is the element that must have the focus, in view.
		shown string
	}{
		{"rules refused", ip, `document.querySelector("#rule-1-name").value = "bad";
			document.querySelector("#rule-1-expression").value = "nope(";
			document.querySelector("button[name=do][value=save]").click()`, "[data-rules-problem]"},
		{"rules tested", ip, `document.querySelector("button[name=do][value=test]").click()`, "[data-rules-test]"},
		{"sample tried", ip, `document.querySelector("#sample-enrollment").value = "{}";
			document.querySelector("button[name=do][value=sample]").click()`, "[data-sample-result]"},
		{"parameters refused", ip, `document.querySelector("#parameters-json").value = "[{}]";
			document.querySelector("form[data-list-form=parameters]").submit()`, "form[data-list-form=parameters] .problem"},
		{"groups refused", ip, `document.querySelector("#groups-json").value = "[{}]";
			document.querySelector("form[data-list-form=groups]").submit()`, "form[data-list-form=groups] .problem"},
		{"endpoint refused", Prefix + "/webhooks", `document.querySelector("#ep-url").value = "ftp://hooks.example.com";
			document.querySelector("#ep-url").form.submit()`, "#add .problem"},
	} {
		b.open(tc.path, "main")
		b.do(chromedp.Evaluate[chromedp.Void](tc.js+"; undefined"), chromedp.WaitReady(chromedp.CSS(tc.shown)))
		got := eval[string](b, `(() => {
			const el = document.querySelector(`+"`"+tc.shown+"`"+`), r = el.getBoundingClientRect();
			const focused = document.activeElement === el ? "focused" : "focus on " + document.activeElement.tagName;
			const seen = r.top >= 0 && r.top < innerHeight ? "in view" : "at y=" + Math.round(r.top) + " of " + innerHeight;
			return focused + ", " + seen;
		})()`)
		if got != "focused, in view" {
			t.Errorf("%s: %s is not what the page shows: %s", tc.name, tc.shown, got)
		}
		if !strings.Contains(eval[string](b, `location.pathname`), Prefix) {
			t.Fatalf("%s: left the console", tc.name)
		}
	}
}
