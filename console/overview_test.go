package console

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/enrollhq/enroll"
)

func TestOverviewFunnelCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := map[enroll.Status]int{}
	add := func(e *enroll.Enrollment) { want[e.Eligibility.Status]++ }
	for i := range 3 {
		add(f.enroll(f.inst, "Sub", "Mitted"+strconv.Itoa(i), true))
	}
	add(f.enroll(f.inst, "Eli", "Gible", false))
	add(f.enroll(f.inst, "Cal", "Ifornia", false, func(r *enroll.EnrollmentCreate) { r.Address.State = "CA" }))
	add(f.move(f.enroll(f.inst, "App", "Roved", true), enroll.StatusApproved, ""))
	add(f.move(f.move(f.enroll(f.inst, "Pau", "Sed", true), enroll.StatusApproved, ""), enroll.StatusPaused, ""))
	add(f.move(f.enroll(f.inst, "Rej", "Ected", true), enroll.StatusRejected, "no"))
	add(f.move(f.enroll(f.inst, "Nee", "Ds", true), enroll.StatusNeedsAction, "photo"))
	if want[enroll.StatusSubmitted] != 3 || want[enroll.StatusIneligible] != 1 || want[enroll.StatusEligible] != 1 {
		t.Fatalf("fixture counts = %v", want)
	}

	c := f.signedIn(f.secret)
	page := c.get(Prefix + "/").status(http.StatusOK)
	page.contains("Solar Rebate", "Solar Rebate 2026", "Solar Rebate 2025", "9 enrollments", "3 submissions waiting for review",
		`<svg class="funnel"`, "Main path", "Other statuses", "2 of 100 places taken")

	// Each status of the 2026 instance has its bar, its label and its count.
	block := regexp.MustCompile(`(?s)id="funnel-` + f.inst.ID + `-t".*?</svg>`).FindString(page.Body)
	if block == "" {
		t.Fatalf("no funnel for the instance\n%s", page.Body)
	}
	for _, s := range enroll.Statuses {
		re := regexp.MustCompile(`(?s)data-status="` + string(s) + `">.*?>` + regexp.QuoteMeta(statusLabel(s)) +
			`</text>.*?class="bar s-` + string(s) + `".*?data-count="` + strconv.Itoa(want[s]) + `">`)
		if !re.MatchString(block) {
			t.Errorf("funnel lacks %s = %d", s, want[s])
		}
	}
	// Bars link to the enrollments they count; the largest bar is full width.
	page.contains(`href="/console/enrollments?instance=` + f.inst.ID + `&amp;status=submitted"`)
	if !regexp.MustCompile(`class="bar s-submitted" x="\d+" y="\d+" width="` + strconv.Itoa(funnelBarMax) + `"`).MatchString(block) {
		t.Error("the largest count is not drawn full width")
	}
	// A count of zero draws no bar.
	if !regexp.MustCompile(`class="bar s-unenrolled" x="\d+" y="\d+" width="0"`).MatchString(block) {
		t.Error("an empty status has a bar")
	}
}

func TestNewFunnelScales(t *testing.T) {
	t.Parallel()
	f := newFunnel("i1", "X", map[enroll.Status]int{enroll.StatusCandidate: 1000, enroll.StatusApproved: 1}, true)
	if len(f.Rows) != len(enroll.Statuses) {
		t.Fatalf("%d rows for %d statuses", len(f.Rows), len(enroll.Statuses))
	}
	for _, r := range f.Rows {
		switch r.Status {
		case enroll.StatusCandidate:
			if r.BarW != funnelBarMax {
				t.Errorf("largest bar %d wide", r.BarW)
			}
		case enroll.StatusApproved:
			if r.BarW != 2 {
				t.Errorf("a small non-zero count is %d wide, want the minimum 2", r.BarW)
			}
		default:
			if r.BarW != 0 {
				t.Errorf("%s: zero count %d wide", r.Status, r.BarW)
			}
		}
	}
	if f.Rows[0].Status != enroll.StatusCandidate || f.Rows[3].Status != enroll.StatusApproved {
		t.Error("main path not first, in order")
	}
}
