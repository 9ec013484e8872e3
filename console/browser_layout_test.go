package console

import (
	"strings"
	"testing"

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
