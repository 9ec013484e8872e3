package console

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserH6SignedOutKeepsNotes types two lines of notes, lets the
// session end, and saves them: Chromium shows the refusal with the notes
// kept, signs in on it, is offered the form again and sends it, and the
// notes are saved as typed (line ends as the textarea sends them).
func TestBrowserH6SignedOutKeepsNotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.enroll(f.inst, "Nora", "Kept", false)
	b := startBrowser(t, f)
	b.open(Prefix+"/enrollments/"+e.ID, "#notes-text")
	b.do(chromedp.SendKeys(chromedp.CSS("#notes-text"), "Called twice.\nRoof photo promised <Friday>."))
	f.endSessions()
	b.do(
		chromedp.Click(chromedp.CSS(`form[action$="/notes"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".kept-value")),
	)
	if got := b.text(".kept-value"); got != "Called twice.\nRoof photo promised <Friday>." {
		t.Errorf("the refusal shows %q", got)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#secret"), f.secret),
		chromedp.Click(chromedp.CSS(`form[action="/console/signin"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#resend-title")),
	)
	if got := f.find(e.ID).Notes; got != "" {
		t.Fatalf("signing in saved the notes: %q", got)
	}
	b.do(
		chromedp.Click(chromedp.CSS(`form[action$="/notes"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := f.find(e.ID).Notes; got != "Called twice.\nRoof photo promised <Friday>." {
		t.Errorf("notes saved: %q", got)
	}
	if got := eval[string](b, `document.querySelector("#notes-text").value`); !strings.Contains(got, "Roof photo promised <Friday>.") {
		t.Errorf("the enrollment page's notes: %q", got)
	}
	if errs := b.errors(func(m chromedp.ConsoleMessage) bool { return strings.Contains(m.Text, "403") }); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
