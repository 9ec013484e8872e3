package enroll_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// benchEnrollment returns an enrollment as the store keeps it after a
// create with customerInfo and an evaluation of three rules: the seed's
// example, at the size the API returns.
func benchEnrollment(b *testing.B) (*enroll.Enrollment, *enroll.ProgramInstance) {
	b.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	inst := &enroll.ProgramInstance{ID: enroll.NewID(), ProgramID: enroll.NewID(), Slug: "2026", Name: "Solar Rebate 2026",
		Status: enroll.InstanceActive, AutoEvaluate: true, RulesVersion: 1}
	in := &enroll.EnrollmentCreate{
		IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName:          "Suzie", LastName: "Homeowner", Email: "suzie.homeowner@example.com", Phone: "+1234567890",
		Address: &enroll.Address{StreetOne: "123 Main St", StreetTwo: "Apt 4B", City: "New York",
			State: "NY", PostalCode: "10001", Country: "USA"},
		ManufacturerSlugs: []string{"tesla", "enphase"}, SerialNumber: "1234567890",
		ReferenceID: "1234567890", ReferenceDescription: "Tesla Grid Services id.", Tags: []string{"tag1", "tag2"},
	}
	p := enroll.Participant{}.Overlay(in)
	p.CustomerID = enroll.NewID()
	e, err := enroll.NewEnrollment(enroll.NewID(), in, inst, p, now)
	if err != nil {
		b.Fatal(err)
	}
	e.ID = enroll.NewID()
	ev := &enroll.Evaluation{Status: enroll.StatusEligible, RulesVersion: 1, EvaluatedAt: now, Trace: []enroll.RuleResult{
		{Name: "in-territory", Outcome: enroll.RulePassed},
		{Name: "has-equipment", Outcome: enroll.RulePassed},
		{Name: "not-enrolled-elsewhere", Outcome: enroll.RulePassed},
	}}
	if err := enroll.ApplyEvaluation(e, ev); err != nil {
		b.Fatal(err)
	}
	return e, inst
}

// BenchmarkEnrollmentJSON encodes an enrollment, as every response, stored
// document and event does: "doc" as the stores and the change planner do
// (Enrollment.JSON), "marshal" through json.Marshal.
func BenchmarkEnrollmentJSON(b *testing.B) {
	e, _ := benchEnrollment(b)
	for _, bc := range []struct {
		name string
		enc  func() ([]byte, error)
	}{{"doc", e.JSON}, {"marshal", func() ([]byte, error) { return json.Marshal(e) }}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				out, err := bc.enc()
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.ReportMetric(float64(n), "json-bytes")
		})
	}
}

// BenchmarkEnrollmentJSONDecode decodes a stored enrollment, as every read
// of one does.
func BenchmarkEnrollmentJSONDecode(b *testing.B) {
	e, _ := benchEnrollment(b)
	doc, err := json.Marshal(e)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var out enroll.Enrollment
		if err := json.Unmarshal(doc, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckTransition checks every pair of statuses against the
// transition table; refusals build their 409 error.
func BenchmarkCheckTransition(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, from := range enroll.Statuses {
			for _, to := range enroll.Statuses {
				if from != to {
					_ = enroll.CheckTransition(from, to)
				}
			}
		}
	}
	b.ReportMetric(float64(len(enroll.Statuses)*(len(enroll.Statuses)-1)), "checks/op")
}

// BenchmarkCheckTransitionAllowed is the check on the path of every
// successful status change.
func BenchmarkCheckTransitionAllowed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := enroll.CheckTransition(enroll.StatusEligible, enroll.StatusSubmitted); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepareEnrollmentUpdate is the domain's part of a status change
// (PATCH eligible→submitted): copy, validate, check the transition, diff.
func BenchmarkPrepareEnrollmentUpdate(b *testing.B) {
	old, inst := benchEnrollment(b)
	now := old.CreatedAt.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		e := old.Clone()
		e.SetStatus(enroll.StatusSubmitted, "")
		ch, err := enroll.PrepareEnrollmentUpdate(old, e, inst, now)
		if err != nil || !ch.StatusChanged() {
			b.Fatalf("%+v, %v", ch, err)
		}
	}
}

// BenchmarkNewID makes an id; a create makes half a dozen.
func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = enroll.NewID()
	}
}

// BenchmarkNewIDParallel makes ids on every CPU at once: they share the
// state that makes a process's ids increase.
func BenchmarkNewIDParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = enroll.NewID()
		}
	})
}

// BenchmarkCheckJSON measures enroll.CheckJSON on an NDJSON import line of
// about 400 bytes, which every request body and imported line pays.
func BenchmarkCheckJSON(b *testing.B) {
	line := []byte(`{"identificationType":"customerInfo","firstName":"Suzie","lastName":"Homeowner","email":"suzie.homeowner@example.com",` +
		`"phone":"+1234567890","address":{"streetOne":"123 Main St","streetTwo":"Apt 4B","city":"New York","state":"NY","postalCode":"10001",` +
		`"country":"USA"},"manufacturerSlugs":["tesla","enphase"],"serialNumber":"1234567890","referenceId":"1234567890",` +
		`"referenceDescription":"Tesla Grid Services id \u00e9.","tags":["tag1","tag2"],"metadata":{"kw":7.5,"since":1700000000}}`)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if p := enroll.CheckJSON(line); p != nil {
			b.Fatal(p)
		}
	}
}
