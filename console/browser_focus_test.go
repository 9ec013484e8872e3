package console

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// startBrowser serves f's console on 127.0.0.1 and signs a Chromium in
// with the fixture's secret key.
func startBrowser(t *testing.T, f *fixture) *browser {
	t.Helper()
	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: f.store, Logger: discard, Console: f.console})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := newBrowser(t, srv.URL())
	b.signIn(f.secret, "svg.funnel")
	return b
}

// TestBrowserShortcutsFollowFocus: a row is selected when the focus
// enters it, so a shortcut acts on the row the person tabbed to, not on
// the one highlighted before.
func TestBrowserShortcutsFollowFocus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var names []string
	for _, n := range []string{"Ada", "Ben", "Cy", "Dot", "Eve"} {
		f.enroll(f.inst, n, "Queued", true)
		names = append(names, n+" Queued")
	}
	b := startBrowser(t, f)
	selected := func() string {
		return eval[string](b, `(document.querySelector("[data-row].selected h2, [data-row].selected td a") || {}).textContent`)
	}

	b.open(Prefix+"/queue", ".queue-item.selected")
	if got := selected(); got != names[0] {
		t.Fatalf("the queue opens on %q, want %q", got, names[0])
	}
	// Tab from the third row's last button to the fourth row's link.
	b.do(chromedp.Focus(chromedp.CSS(".queue-item:nth-child(3) form.decide button:last-of-type")), chromedp.KeyEvent("\t"))
	if got := eval[string](b, `document.activeElement.closest("[data-row]").querySelector("h2").textContent`); got != names[3] {
		t.Fatalf("Tab moved the focus to %q's row, want %q's", got, names[3])
	}
	if got := selected(); got != names[3] {
		t.Errorf("after tabbing to the fourth row, %q is selected", got)
	}
	b.do(chromedp.KeyEvent("a"), chromedp.WaitVisible(chromedp.CSS("#decide-reason")))
	if got := b.text("#decide-title"); got != "Approve: "+names[3] {
		t.Errorf("a on the fourth row opened %q", got)
	}
	b.do(chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS("#decide")))

	// Focusing a button of another row (a click without the mouse) moves
	// the selection too, and j goes on from there.
	b.do(chromedp.Focus(chromedp.CSS(".queue-item:nth-child(2) button[value=rejected]")))
	if got := selected(); got != names[1] {
		t.Errorf("after focusing the second row's Reject, %q is selected", got)
	}
	b.do(chromedp.KeyEvent("r"), chromedp.WaitVisible(chromedp.CSS("#decide-reason")))
	if got := b.text("#decide-title"); got != "Reject: "+names[1] {
		t.Errorf("r on the second row opened %q", got)
	}
	b.do(chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS("#decide")))
	if n := len(f.queue()); n != len(names) {
		t.Errorf("%d enrollments left in the queue after cancelled dialogs", n)
	}

	// The enrollment list: j moves on from the row that has the focus.
	b.open(Prefix+"/enrollments?sort=createdAt", "table.list")
	b.do(chromedp.Focus(chromedp.CSS("table.list tbody tr:nth-child(3) a")), chromedp.KeyEvent("j"))
	if got := selected(); got != names[3] {
		t.Errorf("j after focusing the third row selected %q, want %q", got, names[3])
	}

	if errs := b.errors(nil); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// queue lists the submitted enrollments.
func (f *fixture) queue() []*enroll.Enrollment {
	f.t.Helper()
	pg, err := f.store.ListEnrollments(f.ctx, f.wsID, enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusSubmitted},
		ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}})
	if err != nil {
		f.t.Fatalf("list the queue: %v", err)
	}
	return pg.Data
}
