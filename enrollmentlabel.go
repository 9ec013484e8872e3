package enroll

import "slices"

// LabelKind is a list of an enrollment's labels that lists filter by,
// named by the one-letter code the stores' label counters key it by.
type LabelKind string

// The kinds of label: tags, manufacturer slugs and group ids.
const (
	LabelTag          LabelKind = "t"
	LabelManufacturer LabelKind = "m"
	LabelGroup        LabelKind = "g"
)

// Label is one value of one of an enrollment's label lists.
type Label struct {
	Kind  LabelKind
	Value string
}

// Labels returns e's tags, manufacturer slugs and group ids, each value of
// a kind once: a filter matches an enrollment once however often its list
// holds the value, and one stored before Validate refused repeats may hold
// one twice, so a counter of a filter's matches must count it once.
func (e *Enrollment) Labels() []Label {
	n := len(e.Tags) + len(e.ManufacturerSlugs) + len(e.GroupIDs)
	if n == 0 {
		return nil
	}
	out := make([]Label, 0, n)
	for _, l := range [...]struct {
		kind LabelKind
		vals []string
	}{{LabelTag, e.Tags}, {LabelManufacturer, e.ManufacturerSlugs}, {LabelGroup, e.GroupIDs}} {
		first := len(out)
		for _, v := range l.vals {
			if !slices.Contains(out[first:], Label{l.kind, v}) {
				out = append(out, Label{l.kind, v})
			}
		}
	}
	return out
}

// SameLabels reports whether a and b hold the same label lists, in the
// same order: an update that leaves them so changes no label counter but
// by a change of status.
func SameLabels(a, b *Enrollment) bool {
	return slices.Equal(a.Tags, b.Tags) && slices.Equal(a.ManufacturerSlugs, b.ManufacturerSlugs) &&
		slices.Equal(a.GroupIDs, b.GroupIDs)
}

// CountedLabel returns the label f filters by when it filters by exactly
// one (one tag, manufacturer slug or group id) and otherwise only by
// instances and statuses: the lists whose total the stores' label
// counters hold. Any other filter is counted over the enrollments.
func (f *EnrollmentFilter) CountedLabel() (Label, bool) {
	if f.CustomerID != "" || f.LeadID != "" || f.ReferenceID != "" || f.Email != "" ||
		f.CreatedAfter != nil || f.CreatedBefore != nil || f.UpdatedAfter != nil || f.Q != "" {
		return Label{}, false
	}
	var out Label
	n := 0
	for _, l := range [...]Label{{LabelTag, f.Tag}, {LabelManufacturer, f.ManufacturerSlug}, {LabelGroup, f.GroupID}} {
		if l.Value != "" {
			out, n = l, n+1
		}
	}
	return out, n == 1
}
