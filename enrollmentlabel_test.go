package enroll_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEnrollmentLabels lists each value of a kind once, as a filter
// matches an enrollment once however often its list holds the value.
func TestEnrollmentLabels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		e    enroll.Enrollment
		want string
	}{
		{enroll.Enrollment{}, "[]"},
		{enroll.Enrollment{Tags: []string{"vip", "solar", "vip"}, ManufacturerSlugs: []string{"vip"}, GroupIDs: []string{"north", "north"}},
			"[{t vip} {t solar} {m vip} {g north}]"},
	} {
		if got := fmt.Sprint(c.e.Labels()); got != c.want {
			t.Errorf("Labels(%v %v %v) = %s, want %s", c.e.Tags, c.e.ManufacturerSlugs, c.e.GroupIDs, got, c.want)
		}
	}
}

// TestCountedLabel accepts a filter of one label besides instances and
// statuses, which label counters answer, and nothing else.
func TestCountedLabel(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
		want enroll.Label
		ok   bool
	}{
		{"no label", enroll.EnrollmentFilter{ProgramInstanceID: "i"}, enroll.Label{}, false},
		{"tag", enroll.EnrollmentFilter{Tag: "vip"}, enroll.Label{Kind: enroll.LabelTag, Value: "vip"}, true},
		{"manufacturer, scope and statuses", enroll.EnrollmentFilter{ProgramInstanceID: "i", ProgramInstanceIDs: []string{"i", "j"},
			Statuses: []enroll.Status{enroll.StatusApproved, enroll.StatusPaused}, ManufacturerSlug: "lg"},
			enroll.Label{Kind: enroll.LabelManufacturer, Value: "lg"}, true},
		{"group", enroll.EnrollmentFilter{GroupID: "north"}, enroll.Label{Kind: enroll.LabelGroup, Value: "north"}, true},
		{"two labels", enroll.EnrollmentFilter{Tag: "vip", GroupID: "north"}, enroll.Label{}, false},
		{"label and q", enroll.EnrollmentFilter{Tag: "vip", Q: "a"}, enroll.Label{}, false},
		{"label and email", enroll.EnrollmentFilter{Tag: "vip", Email: "a@example.com"}, enroll.Label{}, false},
		{"label and customer", enroll.EnrollmentFilter{Tag: "vip", CustomerID: "c"}, enroll.Label{}, false},
		{"label and range", enroll.EnrollmentFilter{Tag: "vip", UpdatedAfter: &now}, enroll.Label{}, false},
	} {
		got, ok := c.f.CountedLabel()
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%s: CountedLabel() = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
