package console

import (
	"net/url"
	"strings"

	"github.com/enrollhq/enroll"
)

// field is one line of the enrollment's details.
type field struct {
	Label string
	Value string
	// Href links the value, for ids of other console pages.
	Href string
	// Mono shows the value in a monospace font (ids, versions).
	Mono bool
	// Links, for a field that lists labels (tags, manufacturers, groups),
	// link each to the enrollments that hold it; Value is then the list
	// as text, which tells whether the field has a value.
	Links []fieldLink
}

// fieldLink is one linked item of a field.
type fieldLink struct {
	Text string
	Href string
}

// labelLinks links each of an enrollment's labels to the enrollment list
// filtered by it, under param, the filter's name in the list and the API.
func labelLinks(param string, labels []string) []fieldLink {
	out := make([]fieldLink, len(labels))
	for i, l := range labels {
		out[i] = fieldLink{Text: l, Href: Prefix + "/enrollments?" + url.Values{param: {l}}.Encode()}
	}
	return out
}

// linkTexts joins the texts of links, comma-separated, as the field's
// value.
func linkTexts(links []fieldLink) string {
	texts := make([]string, len(links))
	for i, l := range links {
		texts[i] = l.Text
	}
	return strings.Join(texts, ", ")
}

// enrollmentFields lists every field of the enrollment's representation
// that has a value, in the seed's order. Parameters, devices, metadata,
// eligibility and notes have sections of their own. groups are the
// enrollment's groups, linked (groupLinks).
func enrollmentFields(e *enroll.Enrollment, in *instanceChoice, groups []fieldLink) []field {
	instance := e.ProgramInstanceID
	if in != nil {
		instance = in.Label() + " (" + strings.Join(nonEmpty(in.Detail, in.ID), ", ") + ")"
	}
	fs := []field{
		{Label: "Enrollment id", Value: e.ID, Mono: true},
		{Label: "Identification type", Value: string(e.IdentificationType)},
		{Label: "Program instance", Value: instance, Href: Prefix + "/enrollments?instance=" + e.ProgramInstanceID},
		{Label: "Customer id", Value: e.CustomerID, Mono: true},
		{Label: "Lead id", Value: e.LeadID, Mono: true},
		{Label: "Re-enrolls", Value: e.EnrollmentID, Mono: true, Href: linkIf(e.EnrollmentID, Prefix+"/enrollments/"+e.EnrollmentID)},
		{Label: "First name", Value: e.FirstName},
		{Label: "Last name", Value: e.LastName},
		{Label: "Email", Value: e.Email},
		{Label: "Phone", Value: e.Phone},
		{Label: "Address", Value: formatAddress(e.Address)},
		{Label: "Manufacturers", Value: strings.Join(e.ManufacturerSlugs, ", "), Links: labelLinks("manufacturerSlug", e.ManufacturerSlugs)},
		{Label: "Serial number", Value: e.SerialNumber, Mono: true},
		{Label: "Reference id", Value: e.ReferenceID, Mono: true},
		{Label: "Reference description", Value: e.ReferenceDescription},
		{Label: "Tags", Value: strings.Join(e.Tags, ", "), Links: labelLinks("tag", e.Tags)},
		{Label: "Groups", Value: linkTexts(groups), Links: groups},
		{Label: "Assignee", Value: e.Assignee},
		{Label: "Enrollment start", Value: formatTimePtr(e.EnrollmentStartDate)},
		{Label: "Enrolled at", Value: formatTimePtr(e.EnrolledAt)},
		{Label: "Unenrolled at", Value: formatTimePtr(e.UnenrolledAt)},
		{Label: "Created", Value: formatTime(e.CreatedAt)},
		{Label: "Updated", Value: formatTime(e.UpdatedAt)},
		{Label: "Version (ETag)", Value: e.ETag(), Mono: true},
	}
	out := fs[:0]
	for _, f := range fs {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

// linkIf returns href when id is set.
func linkIf(id, href string) string {
	if id == "" {
		return ""
	}
	return href
}

// formatAddress writes an address on lines, as on an envelope.
func formatAddress(a *enroll.Address) string {
	if a.IsZero() {
		return ""
	}
	var lines []string
	for _, l := range []string{a.StreetOne, a.StreetTwo,
		strings.TrimSpace(strings.Join(nonEmpty(a.City, strings.TrimSpace(a.State+" "+a.PostalCode)), ", ")), a.Country} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// nonEmpty returns the strings of ss that are not empty.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
