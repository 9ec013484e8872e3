package rules_test

import (
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

func TestHelperFunctions(t *testing.T) {
	t.Parallel()
	noAddress := func(e *enroll.Enrollment) { e.Address = nil }
	canadian := func(e *enroll.Enrollment) { e.Address.PostalCode, e.Address.State = "K1A 0B1", "on" }
	noSlugs := func(e *enroll.Enrollment) { e.ManufacturerSlugs = nil }
	noDevices := func(e *enroll.Enrollment) { e.Devices = nil }
	tests := []struct {
		expr   string
		modify func(*enroll.Enrollment)
		want   enroll.RuleOutcome
	}{
		{`inPostalCodes(["10001"])`, nil, enroll.RulePassed},
		{`inPostalCodes(["10002", "10003"])`, nil, enroll.RuleFailed},
		{`inPostalCodes(["100*"])`, nil, enroll.RulePassed},
		{`inPostalCodes(["1000*"])`, nil, enroll.RulePassed},
		{`inPostalCodes(["101*", "11*"])`, nil, enroll.RuleFailed},
		{`inPostalCodes(["100011*"])`, nil, enroll.RuleFailed},
		{`inPostalCodes(["k1a*"])`, canadian, enroll.RulePassed},
		{`inPostalCodes(["k1a 0b1"])`, canadian, enroll.RulePassed},
		{`inPostalCodes([])`, nil, enroll.RuleFailed},
		{`inPostalCodes(["10001", "*"])`, noAddress, enroll.RuleFailed},
		{`inStates(["NY", "NJ"])`, nil, enroll.RulePassed},
		{`inStates(["ny"])`, nil, enroll.RulePassed},
		{`inStates(["ON"])`, canadian, enroll.RulePassed},
		{`inStates(["CA"])`, nil, enroll.RuleFailed},
		{`inStates(["NY"])`, noAddress, enroll.RuleFailed},
		{`inStates(instance.metadata.states)`, nil, enroll.RulePassed},
		{`inStates(instance.metadata.mixed)`, nil, enroll.RuleError},
		{`hasManufacturer(["google-nest"])`, noDevices, enroll.RulePassed},
		{`hasManufacturer(["ecobee"])`, noSlugs, enroll.RulePassed},
		{`hasManufacturer(["ECOBEE", "honeywell"])`, nil, enroll.RulePassed},
		{`hasManufacturer(["honeywell"])`, nil, enroll.RuleFailed},
		{`hasManufacturer(["ecobee"])`, func(e *enroll.Enrollment) { noSlugs(e); noDevices(e) }, enroll.RuleFailed},
		{`inStates(["NY","NJ"]) && !enrolledInOtherProgram()`, nil, enroll.RulePassed},
		{`inStates(["NY","NJ"]) && hasManufacturer(["ecobee"]) && inPostalCodes(["10*"])`, nil, enroll.RulePassed},
		{`"NY".lowerAscii() == "ny" && [3, 1, 2].sort() == [1, 2, 3]`, nil, enroll.RulePassed},
	}
	e := rules.New()
	for _, tt := range tests {
		name := tt.expr
		if tt.modify != nil {
			name += " (modified)"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			en := newEnrollment()
			if tt.modify != nil {
				tt.modify(en)
			}
			ev := evaluate(t, e, enroll.EvaluationInput{Enrollment: en, Instance: newInstance(rule("r", tt.expr, ""))})
			if got := ev.Trace[0]; got.Outcome != tt.want {
				t.Errorf("got %+v, want %s", got, tt.want)
			}
		})
	}
}
