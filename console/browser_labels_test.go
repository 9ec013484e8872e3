package console

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// TestBrowserListFiltersByLabel: typing a tag in the enrollment list's
// form and pressing Enter lists the enrollments that hold it, exactly;
// once an instance is applied, its groups are a menu that narrows the
// list further. The form works without the script too, and its filter bar
// stays on a phone's screen, each field on a line of its own.
func TestBrowserListFiltersByLabel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, n := range []string{"Ada", "Ben", "Cy"} {
		f.enroll(f.inst, n, "Tagged", false, func(r *enroll.EnrollmentCreate) {
			r.Tags = []string{"vip"}
			if n != "Cy" {
				r.GroupIDs = []string{"north"}
			}
		})
	}
	f.enroll(f.other, "Dot", "Tagged", false, func(r *enroll.EnrollmentCreate) { r.Tags = []string{"vip"} })
	f.enroll(f.inst, "Eve", "Upper", false, func(r *enroll.EnrollmentCreate) { r.Tags = []string{"VIP"} })
	f.enroll(f.inst, "Fay", "Plain", false)
	b := startBrowser(t, f)
	rows := func() []string {
		names := eval[[]string](b, `[...document.querySelectorAll("table.list tbody td[data-label=Participant]")].map(td => td.textContent.trim())`)
		slices.Sort(names)
		return names
	}

	b.open(Prefix+"/enrollments", "table.list")
	if got := rows(); len(got) != 6 {
		t.Fatalf("the list shows %q", got)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#tag"), "vip\n"),
		chromedp.WaitVisible(chromedp.CSS(`#tag[value="vip"]`)),
	)
	if got, want := rows(), []string{"Ada Tagged", "Ben Tagged", "Cy Tagged", "Dot Tagged"}; !slices.Equal(got, want) {
		t.Errorf("tag vip lists %q, want %q", got, want)
	}
	if got := eval[string](b, `location.search`); !strings.Contains(got, "tag=vip") {
		t.Errorf("the list's address is ?%s", got)
	}

	// An instance, then one of its groups from the menu it brings.
	b.do(
		chromedp.SetValue(chromedp.CSS("#instance"), f.inst.ID),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("select#groupId")),
		chromedp.SetValue(chromedp.CSS("#groupId"), "north"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitReady(chromedp.CSS(`#groupId option[value="north"][selected]`)),
	)
	if got, want := rows(), []string{"Ada Tagged", "Ben Tagged"}; !slices.Equal(got, want) {
		t.Errorf("tag vip in north lists %q, want %q", got, want)
	}

	// Without the script: the same form, the same list.
	b.do(scripts(false))
	b.open(Prefix+"/enrollments", "table.list")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#tag"), "VIP"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`#tag[value="VIP"]`)),
	)
	if got, want := rows(), []string{"Eve Upper"}; !slices.Equal(got, want) {
		t.Errorf("without the script, tag VIP lists %q, want %q", got, want)
	}
	b.do(scripts(true))

	// On a phone, the filter bar with every field (the group menu too)
	// and a note fits the screen.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.open(Prefix+"/enrollments?tag=vip&manufacturerSlug=%00&instance="+f.inst.ID, "select#groupId")
	if w, inner := eval[int](b, `document.documentElement.scrollWidth`), eval[int](b, `window.innerWidth`); w > 391 || inner > 391 {
		t.Errorf("on a phone the list is %d px wide, its viewport %d px", w, inner)
	}
	if off := eval[[]string](b, `(() => {
		const bar = document.querySelector("form.filters").getBoundingClientRect();
		return [...document.querySelectorAll("form.filters .field")].filter(el => {
			const r = el.getBoundingClientRect();
			return r.left < bar.left || r.right > bar.right + 1 || r.width < bar.width * 0.75;
		}).map(el => el.querySelector("label") ? el.querySelector("label").textContent : el.className);
	})()`); len(off) > 0 {
		t.Errorf("on a phone these filters are not a line each inside the bar: %v", off)
	}
	if errs := b.errors(nil); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
