package enroll

import (
	"fmt"
	"time"
)

// AppendJSON appends the enrollment's representation to b: every member of
// SPEC §4, null when it has no value (nulljson.go), byte for byte as
// json.Marshal writes it, HTML escapes included. It is json.Marshal's
// result at a quarter of its cost: an enrollment is encoded for its
// document and for each step of a change (the diff that becomes an
// event's previousAttributes), several times per imported row, and
// json.Marshal would check and compact MarshalJSON's output once more.
func (e *Enrollment) AppendJSON(b []byte) ([]byte, error) {
	b, err := e.appendMembers(b)
	if err != nil {
		return nil, fmt.Errorf("encoding enrollment %s: %w", e.ID, err)
	}
	return b, nil
}

// appendMembers is AppendJSON without the context on its errors.
func (e *Enrollment) appendMembers(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"identificationType":`...)
	b = appendJSONString(b, string(e.IdentificationType))
	b = append(b, `,"programInstanceId":`...)
	b = appendJSONString(b, e.ProgramInstanceID)
	b = appendOptString(b, `,"leadId":`, e.LeadID)
	b = appendOptString(b, `,"customerId":`, e.CustomerID)
	b = appendOptString(b, `,"enrollmentId":`, e.EnrollmentID)
	b = appendOptString(b, `,"firstName":`, e.FirstName)
	b = appendOptString(b, `,"lastName":`, e.LastName)
	b = appendOptString(b, `,"email":`, e.Email)
	b = appendOptString(b, `,"phone":`, e.Phone)
	b = e.Address.appendJSON(append(b, `,"address":`...))
	b = appendStrings(append(b, `,"manufacturerSlugs":`...), e.ManufacturerSlugs)
	b = appendOptString(b, `,"serialNumber":`, e.SerialNumber)
	b, err := appendMarshal(b, `,"devices":`, e.Devices)
	if err != nil {
		return nil, err
	}
	b = appendOptString(b, `,"referenceId":`, e.ReferenceID)
	b = appendOptString(b, `,"referenceDescription":`, e.ReferenceDescription)
	b = appendStrings(append(b, `,"tags":`...), e.Tags)
	if b, err = appendMarshal(b, `,"metadata":`, e.Metadata); err != nil {
		return nil, err
	}
	if b, err = appendMarshal(b, `,"parameters":`, e.Parameters); err != nil {
		return nil, err
	}
	b = appendStrings(append(b, `,"groupIds":`...), e.GroupIDs)
	b = appendOptString(b, `,"notes":`, e.Notes)
	b = appendOptString(b, `,"assignee":`, e.Assignee)
	for _, t := range [...]struct {
		member string
		t      *time.Time
	}{{`,"enrollmentStartDate":`, e.EnrollmentStartDate}, {`,"enrolledAt":`, e.EnrolledAt}, {`,"unenrolledAt":`, e.UnenrolledAt}} {
		if b, err = appendOptTime(b, t.member, t.t); err != nil {
			return nil, err
		}
	}
	b = e.Eligibility.appendJSON(append(b, `,"eligibility":`...))
	if e.Evaluation == nil {
		b = append(b, `,"evaluation":null`...)
	} else if b, err = appendMarshal(b, `,"evaluation":`, e.Evaluation); err != nil {
		return nil, err
	}
	for _, t := range [...]struct {
		member string
		t      time.Time
	}{{`,"createdAt":`, e.CreatedAt}, {`,"updatedAt":`, e.UpdatedAt}} {
		if b, err = appendTime(append(b, t.member...), t.t); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// JSON returns the enrollment's representation as json.Marshal writes it
// (AppendJSON): the document a store keeps.
func (e *Enrollment) JSON() ([]byte, error) { return e.AppendJSON(make([]byte, 0, 1536)) }

// MarshalJSON writes the enrollment's representation (AppendJSON) without
// HTML escapes, as the API's encoder writes what it encodes itself.
func (e Enrollment) MarshalJSON() ([]byte, error) { return unescapedJSON(&e, 1536) }
