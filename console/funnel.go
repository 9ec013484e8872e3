package console

import (
	"net/url"

	"github.com/enrollhq/enroll"
)

// The two groups of the funnel chart: the main path of an enrollment, in
// order, and the statuses off it.
var (
	funnelPath  = []enroll.Status{enroll.StatusCandidate, enroll.StatusEligible, enroll.StatusSubmitted, enroll.StatusApproved}
	funnelOther = []enroll.Status{enroll.StatusIneligible, enroll.StatusNeedsAction, enroll.StatusRejected, enroll.StatusPaused, enroll.StatusUnenrolled}
)

// Geometry of the funnel chart, in SVG user units. The chart scales with
// its container; the viewBox is narrow enough that labels stay legible on a
// phone.
const (
	funnelWidth   = 360
	funnelLabelX  = 100 // right edge of the status labels
	funnelBarX    = 108
	funnelBarMax  = 176 // leaves room for a count such as 1,234,567
	funnelRowH    = 22
	funnelBarH    = 14
	funnelHeaderH = 20
)

// funnel is an instance's counts per status laid out as an SVG bar chart:
// the main path candidate → eligible → submitted → approved, then the other
// statuses. Each bar links to the enrollments it counts.
type funnel struct {
	// ID prefixes the element ids of the chart's title and description.
	ID     string
	Title  string
	Desc   string
	Width  int
	Height int
	// LabelX, BarX, BarMax and BarH place the labels and bars.
	LabelX, BarX, BarMax, BarH int
	// Linked makes each bar a link to the enrollments it counts.
	Linked  bool
	Headers []funnelHeader
	Rows    []funnelRow
}

// funnelHeader labels a group of rows.
type funnelHeader struct {
	Y    int
	Text string
}

// funnelRow is one status's bar.
type funnelRow struct {
	Status    enroll.Status
	Label     string
	Count     int
	Y         int // top of the row
	BarY      int
	TextY     int // baseline of the row's texts
	BarW      int
	CountX    int
	Href      string
	AriaLabel string
}

// newFunnel lays out counts for instance inst (named name). Bars are
// proportional to the largest count; a non-zero count is never drawn
// narrower than 2 units so it stays visible.
func newFunnel(instID, name string, counts map[enroll.Status]int, linked bool) funnel {
	f := funnel{ID: "funnel-" + instID, Title: "Enrollments of " + name + " by status", Width: funnelWidth,
		LabelX: funnelLabelX, BarX: funnelBarX, BarMax: funnelBarMax, BarH: funnelBarH, Linked: linked}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	y := 0
	desc := ""
	for gi, group := range [][]enroll.Status{funnelPath, funnelOther} {
		f.Headers = append(f.Headers, funnelHeader{Y: y + 14, Text: []string{"Main path", "Other statuses"}[gi]})
		y += funnelHeaderH
		for _, s := range group {
			n := counts[s]
			w := 0
			if top > 0 {
				w = n * funnelBarMax / top
			}
			if n > 0 && w < 2 {
				w = 2
			}
			q := url.Values{"instance": {instID}, "status": {string(s)}}
			f.Rows = append(f.Rows, funnelRow{
				Status: s, Label: statusLabel(s), Count: n,
				Y: y, BarY: y + (funnelRowH-funnelBarH)/2, TextY: y + 15,
				BarW: w, CountX: funnelBarX + w + 6,
				Href:      Prefix + "/enrollments?" + q.Encode(),
				AriaLabel: statusLabel(s) + ": " + plural(n, "enrollment", "enrollments"),
			})
			if desc != "" {
				desc += ", "
			}
			desc += statusLabel(s) + " " + formatInt(n)
			y += funnelRowH
		}
		y += 4
	}
	f.Height = y
	f.Desc = desc + "."
	return f
}
