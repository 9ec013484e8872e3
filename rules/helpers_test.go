package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// newEnrollment returns a valid enrollment in New York with an ecobee
// thermostat, the shape most tests start from.
func newEnrollment() *enroll.Enrollment {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &enroll.Enrollment{
		ID: "enr_1", IdentificationType: enroll.IdentifyByCustomerID, ProgramInstanceID: "pin_1", CustomerID: "cus_1",
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
		Address:           &enroll.Address{StreetOne: "1 Main St", City: "New York", State: "NY", PostalCode: "10001", Country: "US"},
		ManufacturerSlugs: []string{"google-nest"},
		Devices:           []enroll.Device{{ID: "d1", Type: "thermostat", ManufacturerSlug: "ecobee"}},
		Tags:              []string{"vip", "spring"},
		Metadata:          map[string]any{"score": 3, "ratio": 0.5, "flag": true},
		Parameters:        []enroll.ParameterValue{{ExternalID: "size", Value: "large"}, {ExternalID: "count", Value: 2}},
		GroupIDs:          []string{},
		Eligibility:       enroll.Eligibility{Status: enroll.StatusCandidate, ProgramInstanceID: "pin_1"},
		CreatedAt:         now, UpdatedAt: now,
	}
}

func newCustomer() *enroll.Customer {
	return &enroll.Customer{ID: "cus_1", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.org", Metadata: map[string]any{}}
}

func newInstance(rs ...enroll.Rule) *enroll.ProgramInstance {
	return &enroll.ProgramInstance{
		ID: "pin_1", ProgramID: "prg_1", Slug: "ny-2025", Name: "NY 2025", Status: enroll.InstanceActive,
		EligibilityRules: rs, RulesVersion: 7,
		Metadata: map[string]any{"region": "east", "states": []any{"NY", "NJ"}, "mixed": []any{"NY", 1}},
	}
}

func rule(name, expr, reason string) enroll.Rule {
	return enroll.Rule{Name: name, Expression: expr, Reason: reason}
}

// evaluate runs one rule over in (filled with defaults) and returns the
// evaluation, failing the test on a Go error.
func evaluate(t testing.TB, e *rules.Engine, in enroll.EvaluationInput) *enroll.Evaluation {
	t.Helper()
	if in.Enrollment == nil {
		in.Enrollment = newEnrollment()
	}
	ev, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return ev
}
