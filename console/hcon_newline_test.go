package console

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// TestHconBrowserKeepsLineBreaks: a rule's reason and an instance's name
// may hold a line break (the API takes them), but a one-line field drops
// it when the browser reads the page. Saving the rules or the details
// unchanged in Chromium must keep them as stored, and the rules version
// with them, rather than silently make a new version of the rules with
// the reason's lines run together, or rename the instance.
func TestHconBrowserKeepsLineBreaks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in, err := f.store.UpdateInstance(f.ctx, f.actor(), f.inst.ID, func(in *enroll.ProgramInstance) error {
		in.Name = "Solar Rebate\n2026"
		in.EligibilityRules = []enroll.Rule{{Name: "in-ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`,
			Reason: "Outside the service area.\nCall us to check."}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t, f)

	b.open(instancePath(in.ID), "form.rules-form")
	b.do(chromedp.Click(chromedp.CSS(`button[name=do][value=save]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	got := f.findInstance(in.ID)
	if got.RulesVersion != in.RulesVersion || got.EligibilityRules[0].Reason != in.EligibilityRules[0].Reason {
		t.Errorf("rules saved unchanged: version %d (was %d), reason %q (was %q)", got.RulesVersion, in.RulesVersion,
			got.EligibilityRules[0].Reason, in.EligibilityRules[0].Reason)
	}

	b.open(instancePath(in.ID), "form.details-form")
	b.do(chromedp.Click(chromedp.CSS("form.details-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := f.findInstance(in.ID); got.Name != in.Name {
		t.Errorf("details saved unchanged: name %q (was %q)", got.Name, in.Name)
	}
}
