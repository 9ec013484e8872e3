package console

import (
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// rulesRefused accepts the browser's own log line for the rules form's
// expected refusal (422) of a rule that does not compile.
func rulesRefused(m chromedp.ConsoleMessage) bool {
	return m.Source == "network" && strings.Contains(m.Text, "422") && strings.HasSuffix(m.URL, "/rules")
}

// instanceRules runs the instance part of TestBrowser, signed in with the
// workspace's key: open the instance from the overview, add a rule in a
// blank row, test the rules (a compile error shown at its row, then the
// counts per rule), and save them.
func (b *browser) instanceRules(f *fixture) {
	t := b.t
	t.Helper()
	b.open(Prefix+"/", "svg.funnel")
	b.do(chromedp.Click(chromedp.CSS(`a[href="/console/instances/`+f.inst.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("form.rules-form")))
	if got := eval[string](b, `location.pathname`); got != instancePath(f.inst.ID) {
		t.Fatalf("the overview's instance link opened %s", got)
	}
	// A new rule in the first blank row (row 1, after in-ny), with a
	// mistake: Test shows it at that row.
	b.do(
		chromedp.SendKeys(chromedp.CSS("#rule-1-name"), "not-tesla"),
		chromedp.SendKeys(chromedp.CSS("#rule-1-expression"), `!("tesla" in enrollment.manufacturerSlug)`),
		chromedp.SendKeys(chromedp.CSS("#rule-1-reason"), "Tesla owners enroll through Tesla"),
		chromedp.Click(chromedp.CSS(`button[name=do][value=test]`)),
		chromedp.WaitVisible(chromedp.CSS("#rule-1-expression-error")),
	)
	if got := eval[string](b, `document.getElementById("rule-1-expression").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("the rule's expression is not marked invalid: %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll("[data-rule-error]").length`); n != 1 {
		t.Errorf("%d rule errors shown, want 1 (at the rule's row)", n)
	}
	// Corrected, the test counts the current enrollments per rule, and
	// saves nothing.
	b.do(
		chromedp.SetValue(chromedp.CSS("#rule-1-expression"), `!("tesla" in enrollment.manufacturerSlugs)`),
		chromedp.Click(chromedp.CSS(`button[name=do][value=test]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-rules-test]")),
	)
	if got := b.text("[data-rules-test]"); !strings.Contains(got, "enrollments evaluated") {
		t.Errorf("test result: %q", got)
	}
	counts := eval[[]string](b, `[...document.querySelectorAll("[data-rule-count]")].map(e => e.textContent)`)
	if len(counts) != 2 || !strings.Contains(counts[1], "1 failed") {
		t.Errorf("counts per rule: %q, want the new rule failing Suzie's Tesla", counts)
	}
	if got := f.findInstance(f.inst.ID); got.RulesVersion != 1 {
		t.Errorf("a test saved the rules: version %d", got.RulesVersion)
	}
	b.screenshot("instance.png")
	b.do(chromedp.Click(chromedp.CSS(`button[name=do][value=save]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.text(".flash"); got != "Eligibility rules saved." {
		t.Errorf("flash after saving the rules = %q", got)
	}
	got := f.findInstance(f.inst.ID)
	want := enroll.Rule{Name: "not-tesla", Expression: `!("tesla" in enrollment.manufacturerSlugs)`, Reason: "Tesla owners enroll through Tesla"}
	if got.RulesVersion != 2 || len(got.EligibilityRules) != 2 || got.EligibilityRules[1] != want {
		t.Errorf("saved rules v%d: %+v", got.RulesVersion, got.EligibilityRules)
	}
}

// instanceDetails runs the rest of the instance part of TestBrowser, on
// the instance page: try the rules on a sample enrollment (its trace
// shown, nothing saved), then rename the instance with the details form.
func (b *browser) instanceDetails(f *fixture) {
	t := b.t
	t.Helper()
	b.open(instancePath(f.inst.ID), "form.details-form")
	before := f.findInstance(f.inst.ID)
	b.do(
		chromedp.SetValue(chromedp.CSS("#sample-enrollment"), `{"firstName": "Ada", "address": {"state": "CA"}, "manufacturerSlugs": ["tesla"]}`),
		chromedp.Click(chromedp.CSS(`button[name=do][value=sample]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-sample-result]")),
	)
	if got := b.text("[data-sample-result] p"); !strings.Contains(got, "ineligible") || !strings.Contains(got, "Outside service area") {
		t.Errorf("sample result: %q", got)
	}
	trace := eval[[]string](b, `[...document.querySelectorAll("[data-sample-result] .trace li")].map(li => li.className + " " + li.textContent)`)
	if len(trace) != 2 || !strings.HasPrefix(trace[0], "o-failed") || !strings.Contains(trace[0], "Outside service area") ||
		!strings.HasPrefix(trace[1], "o-failed") || !strings.Contains(trace[1], "Tesla owners") {
		t.Errorf("sample trace: %q, want both rules failed with their reasons", trace)
	}
	if got := eval[string](b, `document.getElementById("sample-enrollment").value`); !strings.Contains(got, `"Ada"`) {
		t.Errorf("the sample typed is not kept: %q", got)
	}
	// The name, saved through the details form.
	b.do(
		chromedp.SetValue(chromedp.CSS("#inst-name"), "Solar Rebate 2026 pilot"),
		chromedp.Click(chromedp.CSS("form.details-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := b.text(".flash"); got != "Details saved." {
		t.Errorf("flash after saving the details = %q", got)
	}
	if got := b.text("h1"); got != "Solar Rebate — Solar Rebate 2026 pilot" {
		t.Errorf("heading after renaming: %q", got)
	}
	got := f.findInstance(f.inst.ID)
	if got.Name != "Solar Rebate 2026 pilot" || got.Slug != before.Slug || got.RulesVersion != before.RulesVersion || len(got.Parameters) != len(before.Parameters) {
		t.Errorf("saved %+v", got)
	}
}
