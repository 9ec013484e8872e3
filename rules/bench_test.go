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

// fiveRules is a realistic ruleset: territory by state and by postal code,
// a device maker, a condition on parameters and metadata, and exclusivity.
func fiveRules() []enroll.Rule {
	return []enroll.Rule{
		rule("state", `inStates(["NY", "NJ", "CT"])`, "Outside the service territory."),
		rule("postal-code", `inPostalCodes(["100*", "112*", "07*"])`, "Outside the service area."),
		rule("manufacturer", `hasManufacturer(["ecobee", "google-nest", "honeywell"])`, "No eligible thermostat."),
		rule("size", `enrollment.params.size in ["medium", "large"] && enrollment.metadata.score >= 3`, "Home too small."),
		rule("exclusive", `!enrolledInOtherProgram()`, "Already enrolled in another program."),
	}
}

// BenchmarkEvaluateFiveRules measures the target: at least 500,000
// evaluations of a five-rule set per second per core (run with -cpu 1).
// Four of the rules have the shape the engine computes without CEL (a
// helper over literals, maybe negated), as rules mostly do.
func BenchmarkEvaluateFiveRules(b *testing.B) { benchmarkRules(b, fiveRules()) }

// BenchmarkEvaluateFiveRulesCEL is BenchmarkEvaluateFiveRules with every
// rule written so that it runs through CEL: the cost of rules of any
// other shape.
func BenchmarkEvaluateFiveRulesCEL(b *testing.B) {
	rs := fiveRules()
	for i := range rs {
		if i != 3 {
			rs[i].Expression = "(" + rs[i].Expression + ") == true"
		}
	}
	benchmarkRules(b, rs)
}

func benchmarkRules(b *testing.B, rs []enroll.Rule) {
	e := rules.New()
	in := enroll.EvaluationInput{
		Enrollment:             newEnrollment(),
		Customer:               newCustomer(),
		Instance:               newInstance(rs...),
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}
