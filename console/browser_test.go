package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// chromiumPath is Debian's Chromium; no browser can be downloaded here.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir keeps the latest screenshots for the documentation.
var screenshotDir = filepath.Join("..", "docs", "console")

// browser drives headless Chromium against a real server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// newBrowser starts Chromium, or skips the test when it is not installed
// (and fails instead when CI=true).
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI but %s is missing: %v (apt-get install -y chromium)", chromiumPath, err)
		}
		t.Skipf("skipping the browser tests: %s is missing (apt-get install -y chromium)", chromiumPath)
	}
	// TestBrowser's walk takes 20-60 s on a loaded 2-core machine: the
	// bound is for a step that hangs, not a measure of speed.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	b := &browser{t: t, ctx: tabCtx, base: base}
	msgs := chromedp.Console(tabCtx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			b.mu.Lock()
			defer b.mu.Unlock()
			for _, m := range b.messages {
				t.Logf("browser console: %s (%s %s:%d)", m, m.Source, m.URL, m.Line+1)
			}
		}
	})
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

// do runs actions, failing the test on error.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// text returns the text of the first element matching css.
func (b *browser) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", css, err)
	}
	return s
}

// eval evaluates a JavaScript expression that yields T.
func eval[T any](b *browser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", js, err)
	}
	return v
}

// open navigates to a console path and waits for css.
func (b *browser) open(path, css string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(css)))
}

// screenshot saves a full-page PNG under docs/console.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// errors returns the console errors and uncaught exceptions so far,
// except those allow accepts.
func (b *browser) errors(allow func(chromedp.ConsoleMessage) bool) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && (allow == nil || !allow(m)) {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line+1))
		}
	}
	return out
}

// signIn signs in through the form and waits for the first page.
func (b *browser) signIn(secret, landing string) {
	b.t.Helper()
	b.open(Prefix+"/", "#secret")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#secret"), secret),
		chromedp.Click(chromedp.CSS("form.stack button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(landing)),
	)
}

// TestBrowser runs a reviewer's session in Chromium: sign in, find an
// enrollment, approve it and see the history line, reject another from the
// review queue with the keyboard, import a file, manage a webhook endpoint
// (see browser_webhooks_test.go), test and save an instance's rules
// (browser_instance_test.go), then check that a key without
// enrollments:review sees no review buttons and cannot post the form. It
// fails on any console error and keeps screenshots of the pages.
func TestBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := enrollhttp.NewServer(enrollhttp.Config{Addr: "127.0.0.1:0", Store: f.store, Logger: discard, Console: f.console})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	// A season in progress: the oldest submission is the one to reject.
	rick := f.enroll(f.inst, "Rick", "Outside", true)
	suzie := f.enroll(f.inst, "Suzie", "Homeowner", true, func(r *enroll.EnrollmentCreate) {
		r.Phone = "+1 212 555 0199"
		r.ManufacturerSlugs = []string{"tesla", "enphase"}
		r.SerialNumber = "1234567890"
		r.Tags = []string{"tag1", "tag2"}
		r.GroupIDs = []string{"north"}
		r.ReferenceDescription = "Tesla Grid Services id."
		r.Devices = []enroll.Device{{ID: "pw-1", Type: "battery", ManufacturerName: "Tesla", ProductName: "Powerwall 3", SerialNumber: "TG1234"}}
	})
	nina := f.enroll(f.inst, "Nina", "Pending", true)
	for i, n := range []string{"Olive", "Pablo", "Quinn", "Rosa", "Sami", "Tara"} {
		e := f.enroll(f.inst, n, "Sample", i%3 != 2)
		switch i {
		case 0:
			f.move(e, enroll.StatusApproved, "Verified")
		case 1:
			f.move(f.move(e, enroll.StatusApproved, ""), enroll.StatusPaused, "Moving house")
		case 3:
			f.move(e, enroll.StatusNeedsAction, "Upload a roof photo")
		}
	}
	f.enroll(f.inst, "Uma", "Elsewhere", false, func(r *enroll.EnrollmentCreate) { r.Address.State = "CA" })
	for _, n := range []string{"Victor", "Wendy", "Xavier"} {
		f.move(f.enroll(f.other, n, "Lastyear", true), enroll.StatusApproved, "")
	}
	clerk, _ := f.newKey("clerk", writeScopes)

	b := newBrowser(t, srv.URL())
	start := time.Now()

	// Sign in; the overview shows a funnel per instance.
	b.signIn(f.secret, "svg.funnel")
	if got := eval[int](b, `document.querySelectorAll("svg.funnel").length`); got != 2 {
		t.Errorf("%d funnels on the overview, want 2", got)
	}
	b.screenshot("overview.png")

	// Find Suzie by search.
	b.open(Prefix+"/enrollments", "table.list")
	b.screenshot("enrollments.png")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#q"), "suzie\n"),
		// The server renders the query as the field's value attribute: the
		// search's page has loaded (Suzie's link is on the first page too).
		chromedp.WaitVisible(chromedp.CSS(`#q[value="suzie"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/enrollments/`+suzie.ID+`"]`)),
	)
	if rows := eval[int](b, `document.querySelectorAll("table.list tbody tr").length`); rows != 1 {
		t.Errorf("search for suzie: %d rows", rows)
	}

	// Approve her, with a reason, through the confirmation dialog.
	b.do(
		chromedp.Click(chromedp.CSS(`a[href="/console/enrollments/`+suzie.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reason")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "Roof verified on site"),
		chromedp.Click(chromedp.CSS(`button[name=to][value=approved]`)),
		chromedp.WaitVisible(chromedp.CSS("#decide-reason")),
	)
	if got := eval[string](b, `document.getElementById("decide-reason").value`); got != "Roof verified on site" {
		t.Errorf("dialog reason = %q, want the one typed on the page", got)
	}
	if got := b.text("#decide-title"); got != "Approve: Suzie Homeowner" {
		t.Errorf("dialog title = %q", got)
	}
	b.do(
		chromedp.Click(chromedp.CSS("#decide-confirm")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := b.text(".flash"); got != "Suzie Homeowner is now approved." {
		t.Errorf("flash = %q", got)
	}
	history := b.text("ol.timeline > li:last-child")
	if !strings.Contains(history, "submitted") || !strings.Contains(history, "approved") ||
		!strings.Contains(history, "Roof verified on site") || !strings.Contains(history, "by you") {
		t.Errorf("last history line = %q", history)
	}
	if got := f.find(suzie.ID); got.Eligibility.Status != enroll.StatusApproved || got.Eligibility.Reason != "Roof verified on site" {
		t.Errorf("store after approval: %+v", got.Eligibility)
	}
	b.screenshot("enrollment.png")

	// The queue, oldest first, worked with the keyboard: j/k move, r rejects.
	b.open(Prefix+"/queue", ".queue-item.selected")
	b.screenshot("queue.png")
	b.do(chromedp.KeyEvent("j"))
	if got := eval[string](b, `document.querySelector(".queue-item.selected h2").textContent.trim()`); got != "Nina Pending" {
		t.Errorf("after j the selection is on %q", got)
	}
	b.do(chromedp.KeyEvent("k"), chromedp.KeyEvent("r"), chromedp.WaitVisible(chromedp.CSS("#decide-reason")))
	if got := b.text("#decide-title"); got != "Reject: Rick Outside" {
		t.Errorf("dialog title = %q", got)
	}
	if !eval[bool](b, `document.getElementById("decide-reason").required`) {
		t.Error("rejecting does not require a reason")
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#decide-reason"), "Outside the service territory"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := b.text(".flash"); got != "Rick Outside is now rejected." {
		t.Errorf("flash after rejecting = %q", got)
	}
	if got := f.find(rick.ID); got.Eligibility.Status != enroll.StatusRejected || got.Eligibility.Reason != "Outside the service territory" {
		t.Errorf("store after rejection: %+v", got.Eligibility)
	}
	b.open(Prefix+"/enrollments/"+rick.ID, "ol.timeline")
	if h := b.text("ol.timeline > li:last-child"); !strings.Contains(h, "rejected") || !strings.Contains(h, "Outside the service territory") {
		t.Errorf("rejection history line = %q", h)
	}

	// An import: upload a CSV, follow the job to its end.
	file := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte("firstName,lastName,email,address.state\nIda,Import,ida@example.com,NY\nBad,Row,not-an-email,NY\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(Prefix+"/imports", "#import-file")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.Click(chromedp.CSS("form[enctype] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("progress")))
	job := eval[string](b, `location.pathname`)
	for deadline := time.Now().Add(10 * time.Second); ; {
		b.open(job, "progress")
		if b.text("[data-status]") == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish: %s", b.text("[data-status]"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := b.text(`[data-count="errors"]`); got != "1" {
		t.Errorf("import errors = %q", got)
	}
	b.screenshot("import.png")

	b.webhooks(f)
	b.instanceRules(f)
	b.instanceDetails(f)

	// Phone-sized screens.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.open(Prefix+"/enrollments/"+suzie.ID, "ol.timeline")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the enrollment page scrolls sideways on a phone")
	}
	b.screenshot("phone-enrollment.png")
	b.open(Prefix+"/", "svg.funnel")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the overview scrolls sideways on a phone")
	}
	b.screenshot("phone-overview.png")
	b.open(Prefix+"/queue", ".queue-item.selected")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the review queue scrolls sideways on a phone")
	}
	b.screenshot("phone-queue.png")
	b.open(instancePath(f.inst.ID), "form.rules-form")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the instance page scrolls sideways on a phone")
	}
	// Nor with the parameters' and groups' JSON forms unfolded, and a
	// sample's trace shown.
	b.do(
		chromedp.SetValue(chromedp.CSS("#sample-enrollment"), `{"address": {"state": "NY"}}`),
		chromedp.Click(chromedp.CSS(`button[name=do][value=sample]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-sample-result]")),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details.list-edit").forEach(d => d.open = true)`),
	)
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the instance page, its JSON forms unfolded, scrolls sideways on a phone")
	}
	b.do(chromedp.EmulateViewport(1280, 900))

	if errs := b.errors(rulesRefused); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}

	// Sign out, then sign in with a key that may write but not review.
	b.do(chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.CSS("#secret")))
	if got := b.text(".notice"); got != "You have signed out." {
		t.Errorf("after sign-out: %q", got)
	}
	b.signIn(clerk, "svg.funnel")
	b.open(Prefix+"/enrollments/"+nina.ID, "#actions-note")
	if n := eval[int](b, `document.querySelectorAll("button[name=to]").length`); n != 0 {
		t.Errorf("a key without enrollments:review sees %d review buttons", n)
	}
	// The shortcut does nothing either.
	b.do(chromedp.KeyEvent("a"))
	if eval[bool](b, `document.getElementById("decide").open`) {
		t.Error("the approve shortcut opened the dialog for a key without enrollments:review")
	}
	// A forged form post, with the session's own CSRF token, is refused.
	status := eval[int](b, `(async () => {
		const form = document.querySelector("form[action$='/notes']");
		const body = new URLSearchParams({csrf: form.elements.csrf.value, etag: form.elements.etag.value,
			to: "approved", reason: "forged"});
		const res = await fetch(location.pathname + "/status", {method: "POST", body});
		return res.status;
	})()`, chromedp.EvalAwaitPromise)
	if status != 403 {
		t.Errorf("forged approval answered %d, want 403", status)
	}
	if got := f.find(nina.ID); got.Eligibility.Status != enroll.StatusSubmitted {
		t.Errorf("forged approval changed the enrollment to %s", got.Eligibility.Status)
	}

	// The refused fetch is logged by the browser as a failed resource;
	// nothing else may be.
	if errs := b.errors(func(m chromedp.ConsoleMessage) bool {
		return m.Source == "network" && strings.Contains(m.Text, "403") || rulesRefused(m)
	}); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("browser scenario took %v", time.Since(start).Round(time.Millisecond))
}
