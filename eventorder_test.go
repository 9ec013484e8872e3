package enroll_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEventReorderObject holds ReorderObject to the order and content of
// the object as it was written: each object, its members re-sorted (by
// name, as json.Marshal writes a map; PostgreSQL's jsonb sorts them by
// length), comes back byte for byte as NewEvent wrote it.
func TestEventReorderObject(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	capacity := 10
	e := &enroll.Enrollment{ID: "en1", IdentificationType: enroll.IdentifyByCustomerInfo, ProgramInstanceID: "in1", CustomerID: "cu1",
		FirstName: "Zoë", LastName: "Homeowner", Email: "z@example.com", Phone: "+1234567890",
		Address:           &enroll.Address{StreetOne: "1 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
		ManufacturerSlugs: []string{"tesla"}, Tags: []string{"a", "b"}, GroupIDs: []string{"g1"},
		Metadata:   map[string]any{"zeta": 1.5, "a": map[string]any{"long name": true, "b": []any{"x", nil}}},
		Parameters: []enroll.ParameterValue{{ExternalID: "kw", Value: 7.5}},
		Devices:    []enroll.Device{{ID: "d1", ManufacturerSlug: "tesla", InstallDate: &at, Attributes: map[string]any{"k": "v"}}},
		EnrolledAt: &at, Eligibility: enroll.Eligibility{Status: enroll.StatusEligible, Reason: "All rules passed", ProgramInstanceID: "in1"},
		Evaluation: &enroll.Evaluation{Status: enroll.StatusEligible, RulesVersion: 2, EvaluatedAt: at,
			Trace: []enroll.RuleResult{{Name: "ny", Outcome: enroll.RulePassed}}},
		CreatedAt: at, UpdatedAt: at}
	p := &enroll.Program{ID: "pr1", Slug: "solar", Name: "Solar", States: []string{"NY"}, Active: true,
		Metadata: map[string]any{"owner": "ops"}, CreatedAt: at, UpdatedAt: at}
	in := &enroll.ProgramInstance{ID: "in1", ProgramID: "pr1", Slug: "2026", Name: "Solar 2026", Status: enroll.InstanceActive,
		StartDate: &at, Capacity: &capacity, AutoEvaluate: true, RulesVersion: 2,
		EligibilityRules: []enroll.Rule{{Name: "ny", Expression: `inStates(["NY"])`, Reason: "Outside"}},
		Parameters:       []enroll.Parameter{{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber, Constraints: enroll.ParameterConstraints{Required: true}}},
		Groups:           []enroll.Group{{ID: "g1", Name: "Group"}}, Metadata: map[string]any{}, CreatedAt: at, UpdatedAt: at}
	a := enroll.Actor{WorkspaceID: "ws1"}
	for _, ev := range []*enroll.Event{
		enroll.NewEvent(a, enroll.EventEnrollmentUpdated, e.ID, e, nil, at),
		enroll.NewEvent(a, enroll.EventProgramCreated, p.ID, p, nil, at),
		enroll.NewEvent(a, enroll.EventInstanceDeleted, in.ID, in, nil, at),
	} {
		written := string(ev.Data.Object)
		var m any
		if err := json.Unmarshal(ev.Data.Object, &m); err != nil {
			t.Fatal(err)
		}
		sorted, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(sorted) == written {
			t.Fatalf("%s: sorting its members changed nothing, the test shows nothing", ev.Type)
		}
		ev.Data.Object = sorted
		if err := ev.ReorderObject(); err != nil {
			t.Fatal(err)
		}
		if got := string(ev.Data.Object); got != written {
			t.Errorf("%s:\n got %s\nwant %s", ev.Type, got, written)
		}
	}

	// Nothing to reorder: left as it is.
	for _, obj := range []string{"", "null"} {
		ev := &enroll.Event{Type: enroll.EventEnrollmentDeleted, Data: enroll.EventData{Object: json.RawMessage(obj)}}
		if err := ev.ReorderObject(); err != nil || string(ev.Data.Object) != obj {
			t.Errorf("object %q: %q, %v", obj, ev.Data.Object, err)
		}
	}
	bad := &enroll.Event{ID: "evt_1", Type: enroll.EventEnrollmentCreated, Data: enroll.EventData{Object: json.RawMessage(`{"tags":1}`)}}
	if err := bad.ReorderObject(); err == nil {
		t.Error("an object that is no enrollment reordered without an error")
	}
}

// BenchmarkEventReorderObject measures what PostgreSQL's store adds to
// each enrollment event it reads (docs/postgres.md).
func BenchmarkEventReorderObject(b *testing.B) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := &enroll.Enrollment{ID: "en1", IdentificationType: enroll.IdentifyByCustomerInfo, ProgramInstanceID: "in1", CustomerID: "cu1",
		FirstName: "Suzie", LastName: "Homeowner", Email: "suzie@example.com", Phone: "+1234567890",
		Address:           &enroll.Address{StreetOne: "123 Main St", StreetTwo: "Apt 4B", City: "New York", State: "NY", PostalCode: "10001", Country: "USA"},
		ManufacturerSlugs: []string{"tesla", "enphase"}, Tags: []string{"tag1", "tag2"}, ReferenceID: "1234567890",
		Eligibility: enroll.Eligibility{Status: enroll.StatusEligible, Reason: "All rules passed", ProgramInstanceID: "in1"},
		CreatedAt:   at, UpdatedAt: at}
	ev := enroll.NewEvent(enroll.Actor{}, enroll.EventEnrollmentCreated, e.ID, e, nil, at)
	var m any
	if err := json.Unmarshal(ev.Data.Object, &m); err != nil {
		b.Fatal(err)
	}
	sorted, _ := json.Marshal(m)
	for b.Loop() {
		ev.Data.Object = sorted
		if err := ev.ReorderObject(); err != nil {
			b.Fatal(err)
		}
	}
}
