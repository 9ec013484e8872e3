package console

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// scripts turns the page's JavaScript on or off, from the next load.
func scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// TestBrowserQueueWithoutJavaScript: without the script, the queue's
// Reject and Request action take a reason from a field of their own and
// the decision is made from the queue; with it, the field is hidden and
// the dialog asks instead.
func TestBrowserQueueWithoutJavaScript(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.enroll(f.inst, "Nell", "Noscript", true)
	second := f.enroll(f.inst, "Otis", "Noscript", true)
	b := startBrowser(t, f)
	visible := func(css string) bool {
		return eval[bool](b, `(() => { const el = document.querySelector(`+"`"+css+"`"+`); return !!el && el.offsetParent !== null; })()`)
	}

	b.open(Prefix+"/queue", ".queue-item.selected")
	if visible("#reason-" + first.ID) {
		t.Error("with JavaScript, the queue shows its reason fields")
	}

	b.do(scripts(false))
	b.open(Prefix+"/queue", ".queue-item")
	if !visible("#reason-"+first.ID) || !visible(`label[for="reason-`+first.ID+`"]`) {
		t.Fatal("without JavaScript, the queue has no reason field to fill in")
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#reason-"+first.ID), "Roof too old"),
		chromedp.Click(chromedp.CSS(`form[action$="/`+first.ID+`/status"] button[value=rejected]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#reason-"+first.ID)),
	)
	if got := b.text(".flash"); got != "Nell Noscript is now rejected." {
		t.Errorf("flash = %q", got)
	}
	if got := eval[string](b, `location.pathname`); got != Prefix+"/queue" {
		t.Errorf("after a decision without JavaScript the browser is at %s, want the queue", got)
	}
	if got := f.find(first.ID); got.Eligibility.Status != enroll.StatusRejected || got.Eligibility.Reason != "Roof too old" {
		t.Errorf("after rejecting without JavaScript: %+v", got.Eligibility)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#reason-"+second.ID), "Send a roof photo"),
		chromedp.Click(chromedp.CSS(`form[action$="/`+second.ID+`/status"] button[value=needs_action]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#reason-"+second.ID)),
	)
	if got := b.text(".flash"); got != "Otis Noscript is now needs action." {
		t.Errorf("flash = %q", got)
	}
	if got := f.find(second.ID); got.Eligibility.Status != enroll.StatusNeedsAction || got.Eligibility.Reason != "Send a roof photo" {
		t.Errorf("after requesting action without JavaScript: %+v", got.Eligibility)
	}
	if errs := b.errors(nil); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
