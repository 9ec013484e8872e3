package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// TestBrowserLongValuesStayOnThePage: a name, a reference and a reason of
// a hundred and more letters without a space wrap inside the page (its
// heading, breadcrumb, subtitle, the list's cells, the queue's rows), on a
// phone and on a desktop: nothing scrolls sideways.
func TestBrowserLongValuesStayOnThePage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	long := func(word string, n int) string { return strings.Repeat(word, n/len(word)+1)[:n] }
	e := f.enroll(f.inst, long("Maximiliana", 180), long("Vandermeulen", 200), false, func(r *enroll.EnrollmentCreate) {
		r.Email = long("x", 60) + "@" + long("sub", 60) + ".example.com"
		r.ReferenceID = long("REF0123456789", 240)
	})
	f.move(e, enroll.StatusSubmitted, long("Unbrokenreason", 400))
	b := startBrowser(t, f)

	for _, size := range []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}},
		{"desktop", 1280, 900, nil},
	} {
		b.do(chromedp.EmulateViewport(size.width, size.height, size.opts...))
		for path, ready := range map[string]string{
			Prefix + "/enrollments/" + e.ID: "ol.timeline",
			Prefix + "/enrollments":         "table.list",
			Prefix + "/queue":               ".queue-item",
		} {
			b.open(path, ready)
			// A phone widens its viewport to fit a page too wide:
			// innerWidth then grows too, so compare with the screen's.
			if w, inner := eval[int](b, `document.documentElement.scrollWidth`), eval[int](b, `window.innerWidth`); w > int(size.width)+1 || inner > int(size.width)+1 {
				t.Errorf("%s, %s: the page is %d px wide, its viewport %d px, on a %d px screen", size.name, path, w, inner, size.width)
			}
			// Nor is a value cut off where a box hides its overflow (a
			// table's cells).
			if cut := eval[[]string](b, `[...document.querySelectorAll("main td, main h1, main h2, .crumbs, .lede, .meta, .reason")]
				.filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.tagName + "." + el.className)`); len(cut) > 0 {
				t.Errorf("%s, %s: values overflow their boxes: %v", size.name, path, cut)
			}
		}
	}
	if errs := b.errors(nil); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserImportDryRunBesideItsLabel: the import form's dry-run
// checkbox has its label beside it, as the console's other checkboxes do.
func TestBrowserImportDryRunBesideItsLabel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := startBrowser(t, f)
	b.open(Prefix+"/imports", "#import-dry-run")
	beside := eval[bool](b, `(() => {
		const box = document.getElementById("import-dry-run").getBoundingClientRect();
		const label = document.querySelector("label[for=import-dry-run]").getBoundingClientRect();
		return label.left >= box.right && label.top < box.bottom && box.top < label.bottom;
	})()`)
	if !beside {
		t.Error("the dry-run label is not beside its checkbox")
	}
	// The label still ticks the box.
	b.do(chromedp.Click(chromedp.CSS("label[for=import-dry-run]")))
	if !eval[bool](b, `document.getElementById("import-dry-run").checked`) {
		t.Error("clicking the label did not tick the dry run")
	}
}

// TestBrowserTablesFitTheirPanels: every table of the console's pages,
// filled as they are in use, stays inside the panel that holds it (its
// content box: not over the padding nor past the border) and leaves no
// cell's value cut off, on desktops and on a phone. The enrollment's
// Notifications table is in the narrow side column; the others are the
// enrollment's parameters and devices, the enrollment list, the
// endpoints, an endpoint's deliveries with their attempts and an import's
// errors.
func TestBrowserTablesFitTheirPanels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.console.importDir = t.TempDir()
	a := enroll.Actor{WorkspaceID: f.wsID}
	ep := f.endpoint("https://crm.example.com/hooks/enroll/rooftop-solar-rebate-program")
	for _, tpl := range []*enroll.NotificationTemplate{
		{ProgramInstanceID: f.inst.ID, Name: "Successful Activation", Status: enroll.StatusApproved, Subject: "Welcome", Text: "Hello {{.enrollment.firstName}}."},
		{ProgramInstanceID: f.inst.ID, Name: "Application received", Status: enroll.StatusSubmitted, Essential: true, Subject: "Received", Text: "We have it."},
	} {
		if err := f.store.CreateNotificationTemplate(f.ctx, a, tpl); err != nil {
			t.Fatal(err)
		}
	}
	e := f.enroll(f.inst, "Suzie", "Homeowner", true, func(r *enroll.EnrollmentCreate) {
		r.Email = "suzie.homeowner-rooftop-solar@example.com"
		r.Devices = []enroll.Device{{ID: "pw-1", Type: "battery", ManufacturerName: "Tesla", ProductName: "Powerwall 3", SerialNumber: "TG1234567890"}}
	})
	f.move(e, enroll.StatusApproved, "Verified")
	for {
		n, err := f.store.DispatchEvents(f.ctx, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	jobs, err := f.store.ClaimNotifications(f.ctx, time.Minute, 10)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("claimed %d notifications (%v)", len(jobs), err)
	}
	if _, err := f.store.FinishNotification(f.ctx, jobs[0], enroll.SkipNotification(jobs[0].CreatedAt, "No SMTP server is configured.")); err != nil {
		t.Fatal(err)
	}
	f.deliver(func(d *enroll.WebhookDelivery) enroll.DeliveryOutcome {
		return answered(0, "dial tcp 203.0.113.9:443: connect: connection refused", enroll.DeliveryPending)
	})
	c := f.signedIn(f.secret)
	job := c.upload(c.get(Prefix+"/imports").field("csrf"), f.inst.ID, "people.csv", importCSV, false).status(http.StatusOK).URL.Path
	c.waitImport(job)
	b := startBrowser(t, f)

	for _, size := range []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 900, nil},
		// The narrowest screen with the enrollment page's two columns.
		{"small desktop", 960, 900, nil},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}},
	} {
		b.do(chromedp.EmulateViewport(size.width, size.height, size.opts...))
		for _, page := range []struct{ path, tables string }{
			{Prefix + "/enrollments/" + e.ID, "table.notifications"},
			{Prefix + "/enrollments", "table.list"},
			{Prefix + "/webhooks", "table.list"},
			{endpointPath(ep.ID), "table.deliveries"},
			{job, "table.list"},
		} {
			b.open(page.path, page.tables)
			// The tables folded in a <details> (a delivery's attempts) too.
			b.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("main details").forEach(d => d.open = true)`))
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > int(size.width)+1 {
				t.Errorf("%s, %s: the page is %d px wide on a %d px screen", size.name, page.path, w, size.width)
			}
			// Each table against the content box of the panel (or card,
			// or main) that holds it.
			spills := eval[[]string](b, `[...document.querySelectorAll("main table")].filter(t => t.checkVisibility()).flatMap(t => {
				const box = t.parentElement.closest(".panel, .card, main"), s = getComputedStyle(box), r = box.getBoundingClientRect();
				const right = r.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight);
				const left = r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft);
				const tr = t.getBoundingClientRect();
				return tr.right > right + 1 || tr.left < left - 1
					? [t.className + " spans " + Math.round(tr.left) + "–" + Math.round(tr.right) + " in " + (box.id || box.className || box.tagName) + " " + Math.round(left) + "–" + Math.round(right)] : [];
			})`)
			if len(spills) > 0 {
				t.Errorf("%s, %s: tables spill out of their panels: %v", size.name, page.path, spills)
			}
			if cut := eval[[]string](b, `[...document.querySelectorAll("main td, main th")]
				.filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.closest("table").className + " " + (el.dataset.label || el.textContent.trim()))`); len(cut) > 0 {
				t.Errorf("%s, %s: cells cut off: %v", size.name, page.path, cut)
			}
			// On a phone a table's cells are cards, each value with its
			// label (data-label): none may be left without one.
			if unlabeled := eval[[]string](b, `[...document.querySelectorAll("main table.list td:not([data-label]):not(.span)")]
				.map(td => td.closest("table").className + " " + td.textContent.trim())`); size.name == "phone" && len(unlabeled) > 0 {
				t.Errorf("%s, %s: cells without a label for the phone's cards: %v", size.name, page.path, unlabeled)
			}
			// Nor is a column squeezed until a time breaks inside its
			// words ("202 / 6- / 11- / 25 …"): it may wrap at its spaces.
			if broken := eval[[]string](b, `[...document.querySelectorAll("main td time")].filter(t => t.checkVisibility())
				.filter(t => t.getClientRects().length > t.textContent.trim().split(/\s+/).length).map(t => t.closest("table").className + " " + t.textContent)`); len(broken) > 0 {
				t.Errorf("%s, %s: times broken inside their words: %v", size.name, page.path, broken)
			}
		}
	}
	if errs := b.errors(nil); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
