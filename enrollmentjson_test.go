package enroll_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// refEnrollment is the enrollment's representation as a struct for
// encoding/json, with the optional strings as pointers: the reference
// AppendJSON's hand-written encoder must match byte for byte.
type refEnrollment struct {
	ID                   string                    `json:"id"`
	IdentificationType   enroll.IdentificationType `json:"identificationType"`
	ProgramInstanceID    string                    `json:"programInstanceId"`
	LeadID               *string                   `json:"leadId"`
	CustomerID           *string                   `json:"customerId"`
	EnrollmentID         *string                   `json:"enrollmentId"`
	FirstName            *string                   `json:"firstName"`
	LastName             *string                   `json:"lastName"`
	Email                *string                   `json:"email"`
	Phone                *string                   `json:"phone"`
	Address              *refAddress               `json:"address"`
	ManufacturerSlugs    []string                  `json:"manufacturerSlugs"`
	SerialNumber         *string                   `json:"serialNumber"`
	Devices              []enroll.Device           `json:"devices"`
	ReferenceID          *string                   `json:"referenceId"`
	ReferenceDescription *string                   `json:"referenceDescription"`
	Tags                 []string                  `json:"tags"`
	Metadata             map[string]any            `json:"metadata"`
	Parameters           []enroll.ParameterValue   `json:"parameters"`
	GroupIDs             []string                  `json:"groupIds"`
	Notes                *string                   `json:"notes"`
	Assignee             *string                   `json:"assignee"`
	EnrollmentStartDate  *time.Time                `json:"enrollmentStartDate"`
	EnrolledAt           *time.Time                `json:"enrolledAt"`
	UnenrolledAt         *time.Time                `json:"unenrolledAt"`
	Eligibility          struct {
		Status            enroll.Status `json:"status"`
		Reason            *string       `json:"reason"`
		ProgramInstanceID string        `json:"programInstanceId"`
	} `json:"eligibility"`
	Evaluation *enroll.Evaluation `json:"evaluation"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
}

// refAddress is the address's representation, every member present.
type refAddress struct {
	StreetOne  *string `json:"streetOne"`
	StreetTwo  *string `json:"streetTwo"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	PostalCode *string `json:"postalCode"`
	Country    *string `json:"country"`
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func reference(e *enroll.Enrollment) refEnrollment {
	r := refEnrollment{ID: e.ID, IdentificationType: e.IdentificationType, ProgramInstanceID: e.ProgramInstanceID,
		LeadID: ptr(e.LeadID), CustomerID: ptr(e.CustomerID), EnrollmentID: ptr(e.EnrollmentID), FirstName: ptr(e.FirstName),
		LastName: ptr(e.LastName), Email: ptr(e.Email), Phone: ptr(e.Phone), ManufacturerSlugs: e.ManufacturerSlugs,
		SerialNumber: ptr(e.SerialNumber), Devices: e.Devices, ReferenceID: ptr(e.ReferenceID), ReferenceDescription: ptr(e.ReferenceDescription),
		Tags: e.Tags, Metadata: e.Metadata, Parameters: e.Parameters, GroupIDs: e.GroupIDs, Notes: ptr(e.Notes), Assignee: ptr(e.Assignee),
		EnrollmentStartDate: e.EnrollmentStartDate, EnrolledAt: e.EnrolledAt, UnenrolledAt: e.UnenrolledAt,
		Evaluation: e.Evaluation, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if a := e.Address; a != nil {
		r.Address = &refAddress{ptr(a.StreetOne), ptr(a.StreetTwo), ptr(a.City), ptr(a.State), ptr(a.PostalCode), ptr(a.Country)}
	}
	r.Eligibility.Status, r.Eligibility.Reason, r.Eligibility.ProgramInstanceID = e.Eligibility.Status, ptr(e.Eligibility.Reason), e.Eligibility.ProgramInstanceID
	return r
}

// TestEnrollmentAppendJSON checks the hand-written encoder against the
// reference on enrollments of every shape: strings json.Marshal escapes
// (HTML, quotes, controls, U+2028, bytes that are not UTF-8), empty and
// nil collections, times in other zones and with nanoseconds, set and
// unset pointers. json.Marshal and JSON must give the reference's bytes,
// and MarshalJSON the bytes of an encoder without HTML escapes.
func TestEnrollmentAppendJSON(t *testing.T) {
	t.Parallel()
	strs := []string{"", "a", "Suzie", "<b>Zoë</b> & co", "quote\" back\\slash", "tab\tnl\n\x01", "\u2028\u2029", "bad \xff utf-8", "日本"}
	ny := time.FixedZone("NY", -5*3600)
	times := []time.Time{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 123456789, ny), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string { return strs[rng.IntN(len(strs))] }
	tm := func() *time.Time {
		if rng.IntN(3) == 0 {
			return nil
		}
		t := times[rng.IntN(len(times))]
		return &t
	}
	list := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	for i := range 2000 {
		e := &enroll.Enrollment{ID: str(), IdentificationType: enroll.IdentificationType(str()), ProgramInstanceID: str(),
			LeadID: str(), CustomerID: str(), EnrollmentID: str(), FirstName: str(), LastName: str(), Email: str(), Phone: str(),
			ManufacturerSlugs: list(), SerialNumber: str(), ReferenceID: str(), ReferenceDescription: str(), Tags: list(),
			GroupIDs: list(), Notes: str(), Assignee: str(), EnrollmentStartDate: tm(), EnrolledAt: tm(), UnenrolledAt: tm(),
			Eligibility: enroll.Eligibility{Status: enroll.Status(str()), Reason: str(), ProgramInstanceID: str()},
			CreatedAt:   times[i%len(times)], UpdatedAt: times[(i+1)%len(times)].Add(time.Duration(i))}
		if rng.IntN(2) == 0 {
			e.Address = &enroll.Address{StreetOne: str(), City: str(), State: str(), Country: str()}
		}
		if rng.IntN(2) == 0 {
			e.Metadata = map[string]any{str(): str(), "n": 1e21, "f": 7.5, "nested": map[string]any{"<": []any{1, str(), nil}}}
		} else if rng.IntN(2) == 0 {
			e.Metadata = map[string]any{}
		}
		if rng.IntN(2) == 0 {
			e.Devices = []enroll.Device{{ID: str(), ManufacturerSlug: str(), InstallDate: tm(), Attributes: map[string]any{"k": str()}}}
		}
		if rng.IntN(2) == 0 {
			e.Parameters = []enroll.ParameterValue{{ExternalID: str(), Value: str()}, {ExternalID: "kw", Value: 7.5,
				Error: &enroll.ParameterError{ID: "range", Message: str()}}}
		}
		if rng.IntN(2) == 0 {
			e.Evaluation = &enroll.Evaluation{Status: enroll.StatusEligible, Reason: str(), RulesVersion: i, EvaluatedAt: times[0],
				Trace: []enroll.RuleResult{{Name: str(), Outcome: enroll.RulePassed, Message: str()}}}
		}
		want, err := json.Marshal(reference(e))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.JSON(); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("JSON() = %s, %v\nwant %s", got, err, want)
		}
		if got, err := json.Marshal(e); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("json.Marshal = %s, %v\nwant %s", got, err, want)
		}
		var unescaped bytes.Buffer
		enc := json.NewEncoder(&unescaped)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(reference(e)); err != nil {
			t.Fatal(err)
		}
		if got, err := e.MarshalJSON(); err != nil || !bytes.Equal(got, bytes.TrimSuffix(unescaped.Bytes(), []byte("\n"))) {
			t.Fatalf("MarshalJSON = %s, %v\nwant %s", got, err, unescaped.Bytes())
		}
	}
	// A time json.Marshal cannot write is an error, as there.
	bad := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := (&enroll.Enrollment{EnrolledAt: &bad}).JSON(); err == nil {
		t.Error("year 10000 encoded")
	}
}

// TestStatusChangeAppendJSON checks the history entry's hand-written
// encoder against json.Marshal of its members as a wire struct.
func TestStatusChangeAppendJSON(t *testing.T) {
	t.Parallel()
	type ref struct {
		ID           string              `json:"id"`
		EnrollmentID string              `json:"enrollmentId"`
		From         *string             `json:"from"`
		To           enroll.Status       `json:"to"`
		Reason       *string             `json:"reason"`
		ActorKeyID   *string             `json:"actorKeyId"`
		RequestID    *string             `json:"requestId"`
		RulesVersion *int                `json:"rulesVersion"`
		Trace        []enroll.RuleResult `json:"trace"`
		CreatedAt    time.Time           `json:"createdAt"`
	}
	v := 3
	for _, h := range []*enroll.StatusChange{
		{ID: "h1", EnrollmentID: "e1", To: enroll.StatusCandidate, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
		{ID: "h2", EnrollmentID: "e1", From: enroll.StatusCandidate, To: enroll.StatusIneligible, Reason: "Outside <the> \"area\" & \u2028",
			ActorKeyID: "k1", RequestID: "req_1", RulesVersion: &v, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
			Trace: []enroll.RuleResult{{Name: "state", Outcome: enroll.RuleFailed, Message: "Outside <the> area"}}},
	} {
		want, err := json.Marshal(ref{h.ID, h.EnrollmentID, ptr(string(h.From)), h.To, ptr(h.Reason), ptr(h.ActorKeyID), ptr(h.RequestID),
			h.RulesVersion, h.Trace, h.CreatedAt})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := h.AppendJSON(nil); err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendJSON = %s, %v\nwant %s", got, err, want)
		}
		if got, err := json.Marshal(h); err != nil || !bytes.Equal(got, want) {
			t.Errorf("json.Marshal = %s, %v\nwant %s", got, err, want)
		}
	}
}
