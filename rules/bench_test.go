package rules_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

func BenchmarkEvaluate(b *testing.B) {
	e := rules.New()
	in := enroll.EvaluationInput{
		Enrollment: newEnrollment(),
		Customer:   newCustomer(),
		Instance: newInstance(
			rule("in-territory", `inStates(["NY", "NJ"]) && inPostalCodes(["100*", "112*"])`, "Outside the territory."),
			rule("has-device", `hasManufacturer(["ecobee", "google-nest"]) && enrollment.devices.exists(d, d.type == "thermostat")`, "No eligible thermostat."),
			rule("not-enrolled", `has(customer.email) && !enrolledInOtherProgram()`, "Already enrolled in another program."),
		),
		EnrolledInOtherProgram: func() (bool, error) { return false, nil },
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ev, err := e.Evaluate(ctx, in)
		if err != nil || ev.Status != enroll.StatusEligible {
			b.Fatalf("%+v, %v", ev, err)
		}
	}
}
