package rules

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// differentialExprs are rules of every kind: the helpers in their native,
// bound and dynamic forms, reads of every field, whole-variable uses that
// defeat the pruning, shadowing, errors of every kind.
var differentialExprs = []string{
	// Helpers.
	`inStates(["NY", "NJ"])`, `!inStates(["CA"])`, `inStates([])`, `inStates(["ny "])`,
	`inPostalCodes(["100*", "112*"])`, `!inPostalCodes(["10001"])`, `inPostalCodes(["*"])`,
	`hasManufacturer(["ecobee", "google-nest"])`, `!hasManufacturer(["acme"])`,
	`enrolledInOtherProgram()`, `!enrolledInOtherProgram()`, `!(!enrolledInOtherProgram())`,
	`enrolledInOtherProgram() || !enrolledInOtherProgram()`,
	`inStates(["NY"]) && !enrolledInOtherProgram() && hasManufacturer(["ecobee"])`,
	`!enrolledInOtherProgram() && inStates(["CA"])`, `enrolledInOtherProgram() && inStates(["NY"])`,
	`inStates(["CA"]) || enrolledInOtherProgram()`, `!(inStates(["NY"]) && enrolledInOtherProgram())`,
	`enrolledInOtherProgram() || inStates(["NY"]) || hasManufacturer(["x"])`,
	`inStates(instance.metadata.states)`, `inStates(instance.metadata.mixed)`, `inStates(instance.metadata.region)`,
	`inStates([enrollment.address.state])`, `inStates(["NY", 1])`, `inStates([1, "NY"])`,
	`hasManufacturer(enrollment.manufacturerSlugs)`, `inPostalCodes(enrollment.tags)`,
	`inStates(enrollment.metadata.list)`, `hasManufacturer(dyn(enrollment.metadata.x))`,
	// Fields of the enrollment.
	`enrollment.id != ""`, `has(enrollment.leadId)`, `enrollment.?customerId.orValue("") != "x"`,
	`enrollment.firstName.size() >= 0`, `enrollment.email.endsWith(".com")`, `has(enrollment.phone)`,
	`enrollment.address.state == "NY"`, `has(enrollment.address)`, `has(enrollment.address.postalCode)`,
	`enrollment.address.postalCode.startsWith("1")`, `"ecobee" in enrollment.manufacturerSlugs`,
	`enrollment.manufacturerSlugs == ["google-nest"]`, `enrollment.devices.exists(d, d.type == "thermostat")`,
	`enrollment.devices[0].manufacturerSlug == "ecobee"`, `enrollment.devices.all(d, has(d.installDate))`,
	`enrollment.devices.exists(d, has(d.attributes) && size(d.attributes) > 0)`,
	`"vip" in enrollment.tags`, `size(enrollment.tags) > 1`, `enrollment.groupIds == []`,
	`enrollment.metadata.score >= 3`, `enrollment.metadata.score + 1 == 4`, `enrollment.metadata.ratio < 1.0`,
	`enrollment.metadata.flag == true`, `enrollment.metadata["score"] == 3`, `has(enrollment.metadata.score)`,
	`enrollment.metadata.?missing.orValue(0) == 0`, `enrollment.metadata.missing == 1`,
	`enrollment.metadata.nested.a.b == 1`, `size(enrollment.metadata) >= 0`, `"score" in enrollment.metadata`,
	`enrollment.metadata == {"score": 3}`, `enrollment.metadata.exists(k, k == "score")`, `enrollment.metadata.all(k, k != "")`,
	`enrollment.metadata[enrollment.email] == 1`, `enrollment.metadata.big > 9007199254740992`,
	`type(enrollment.metadata.score) == int`, `type(enrollment.metadata.ratio) == double`,
	`enrollment.parameters.exists(p, p.externalId == "size" && !has(p.error))`,
	`enrollment.params.size == "large"`, `enrollment.params["count"] == 2`, `enrollment.params.count + 1 == 3`,
	`has(enrollment.params.nope)`, `enrollment.params.size in ["medium", "large"] && enrollment.metadata.score >= 3`,
	`size(enrollment.params) >= 0`, `enrollment.params == {}`,
	// count is declared a number: a double, whatever its JSON form.
	`enrollment.params.count * 2.0 == 4.0`, `type(enrollment.params.count) == double`, `enrollment.params.count in [1, 2]`,
	`enrollment.params.count < 3 && enrollment.params.count >= 2`, `enrollment.params.count * 2 == 4`,
	`enrollment.parameters.exists(p, p.externalId == "count" && p.value * 2.0 == 4.0)`,
	`enrollment.parameters.map(p, type(p.value)) == [string, double]`,
	`has(enrollment.notes)`, `enrollment.?assignee.hasValue()`, `has(enrollment.enrolledAt)`,
	`timestamp(enrollment.createdAt) < timestamp("2026-01-01T00:00:00Z")`,
	`enrollment.eligibility.status == "candidate"`, `has(enrollment.eligibility.reason)`,
	`has(enrollment.evaluation) && enrollment.evaluation.rulesVersion > 0`,
	`enrollment.evaluation.trace.exists(t, t.outcome == "failed")`, `enrollment.noSuchField == 1`,
	`enrollment["email"] == enrollment.email`, `enrollment[?"notes"].orValue("") == ""`,
	// Whole variables.
	`size(enrollment) > 3`, `"params" in enrollment`, `enrollment.exists(k, k == "notes")`,
	`enrollment == enrollment`, `[enrollment][0].email == enrollment.email`, `dyn(enrollment).tags == enrollment.tags`,
	// Calls priced by the values they walk (deepcost.go).
	`"%s".format([enrollment.metadata]) != ""`, `[enrollment.metadata] == [enrollment.metadata]`,
	`enrollment.devices != enrollment.devices`, `enrollment.metadata in [{}, enrollment.metadata]`,
	`sets.contains([enrollment.address], [enrollment.address])`, `[enrollment.metadata, customer.metadata].distinct().size() > 0`,
	`[enrollment.metadata].hasAll([enrollment.metadata])`, `strings.quote(enrollment.email) != ""`,
	// Customer and instance.
	`customer == {}`, `!has(customer.email) && customer == {}`, `customer.email.endsWith("@example.org")`,
	`customer.email == "x"`, `has(customer.address) && customer.address.city != ""`, `customer.metadata.tier == "gold"`,
	`size(customer) >= 0`, `customer.?phone.orValue("") == ""`,
	`instance.slug == "ny-2025" && instance.metadata.region == "east"`, `instance.capacity > 0`,
	`size(instance.eligibilityRules) == 1`, `instance.parameters.all(p, p.constraints.required || !p.constraints.required)`,
	`instance.groups.size() >= 0`, `instance.autoEvaluate == true`, `instance.rulesVersion >= 0`,
	`enrollment.address.state in instance.metadata.states`, `has(instance.startDate)`,
	// Shadowing.
	`[1].exists(enrollment, enrollment == 1)`, `[{"params": 1}].all(enrollment, enrollment.params == 1)`,
	`enrollment.tags.exists(customer, customer == "vip")`,
	`enrollment.?address.optMap(enrollment, enrollment.state).orValue("") == "NY"`,
	`enrollment.?metadata.?score.orValue(0) >= 3`, `enrollment.metadata.?score.optMap(s, s + 1).orValue(0) == 4`,
	`enrollment.tags.map(t, enrollment.params.size + t).exists(x, x == "largevip")`,
	// Errors and types.
	`enrollment.metadata.score + "x" == "y"`, `enrollment.tags[10] == "x"`, `1 / enrollment.metadata.zero == 1`,
	`enrollment.metadata.flag`, `int(enrollment.metadata.ratio) == 0`,
}

// differentialInputs returns inputs of every kind: random ones, and the
// cases the fast conversion declines.
func differentialInputs() []enroll.EvaluationInput {
	var ins []enroll.EvaluationInput
	base := func() enroll.EvaluationInput {
		e := sampleEnrollment()
		e.ManufacturerSlugs, e.Tags = []string{"google-nest"}, []string{"vip", "spring"}
		e.Metadata = map[string]any{"score": 3, "ratio": 0.5, "flag": true, "zero": 0, "big": float64(1 << 60),
			"nested": map[string]any{"a": map[string]any{"b": 1.0}}, "list": []any{"NY", "NJ"}}
		e.Devices[0].Type = "thermostat"
		return enroll.EvaluationInput{
			Enrollment: e,
			Customer:   &enroll.Customer{ID: "cus_1", FirstName: "Ada", Email: "ada@example.org", Metadata: map[string]any{"tier": "gold"}},
			Instance: &enroll.ProgramInstance{ID: "pin_1", Slug: "ny-2025", RulesVersion: 7,
				Metadata:   map[string]any{"region": "east", "states": []any{"NY", "NJ"}, "mixed": []any{"NY", 1}},
				Parameters: []enroll.Parameter{{ExternalID: "size", Type: enroll.ParamChoice}, {ExternalID: "count", Type: enroll.ParamNumber}}},
		}
	}
	ins = append(ins, base())
	special := []func(*enroll.EvaluationInput){
		func(in *enroll.EvaluationInput) { in.Customer = nil },
		func(in *enroll.EvaluationInput) { in.Enrollment.Address = nil },
		func(in *enroll.EvaluationInput) { in.Enrollment.Metadata["nan"] = math.NaN() },
		func(in *enroll.EvaluationInput) { in.Customer.Metadata["inf"] = math.Inf(1) },
		func(in *enroll.EvaluationInput) { in.Instance.Metadata["x"] = float32(1) },
		func(in *enroll.EvaluationInput) {
			in.Enrollment.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		},
		func(in *enroll.EvaluationInput) { in.Enrollment.Email = "ada\xff@example.com" },
		func(in *enroll.EvaluationInput) { in.Enrollment.Metadata["sc\xffre"] = 4 },
		func(in *enroll.EvaluationInput) { in.Enrollment.Parameters[1].ExternalID = "size" },
		func(in *enroll.EvaluationInput) { in.Enrollment.Parameters[1].Value = "2" }, // kept with its error
		func(in *enroll.EvaluationInput) { in.Enrollment.Parameters[1].Value = int64(1) << 62 },
		func(in *enroll.EvaluationInput) {
			in.Instance.Parameters = append([]enroll.Parameter{{ExternalID: "count", Type: enroll.ParamString}}, in.Instance.Parameters...)
		},
		func(in *enroll.EvaluationInput) {
			in.Enrollment.Metadata, in.Enrollment.Parameters, in.Enrollment.Tags, in.Enrollment.Devices = nil, nil, nil, nil
		},
		func(in *enroll.EvaluationInput) {
			in.Enrollment.Evaluation = &enroll.Evaluation{RulesVersion: 3, Trace: []enroll.RuleResult{{Name: "a", Outcome: enroll.RuleFailed}}}
		},
	}
	for _, modify := range special {
		in := base()
		modify(&in)
		ins = append(ins, in)
	}
	for seed := range uint64(25) {
		f := newFiller(seed + 1000)
		e, c, in := f.enrollment(), f.customer(), f.instance()
		f.declare(in, e)
		ins = append(ins, enroll.EvaluationInput{Enrollment: e, Customer: c, Instance: in})
	}
	return ins
}

// lookups are the behaviours of the enrolledInOtherProgram callback.
var lookups = []struct {
	name string
	fn   func() (bool, error)
}{
	{"nil", nil},
	{"false", func() (bool, error) { return false, nil }},
	{"true", func() (bool, error) { return true, nil }},
	{"error", func() (bool, error) { return false, errors.New("database is down") }},
	{"panic", func() (bool, error) { panic("boom") }},
}

// TestFastPathsMatchReference evaluates every rule over every input with
// the engine and with the reference path, and wants the same evaluations:
// statuses, reasons, traces with their messages, and lookups made.
func TestFastPathsMatchReference(t *testing.T) {
	t.Parallel()
	fast, ref := New(), New(WithReferencePath())
	inputs := differentialInputs()
	rulesets := make([][]enroll.Rule, 0, len(differentialExprs)+2)
	var all []enroll.Rule
	for i, expr := range differentialExprs {
		r := enroll.Rule{Name: fmt.Sprintf("r%d", i), Expression: expr, Reason: "Reason " + expr}
		rulesets = append(rulesets, []enroll.Rule{r})
		all = append(all, r)
	}
	rulesets = append(rulesets, all, []enroll.Rule{
		{Name: "state", Expression: `inStates(["NY", "NJ"])`}, {Name: "zip", Expression: `inPostalCodes(["100*"])`},
		{Name: "maker", Expression: `hasManufacturer(["ecobee"])`}, {Name: "size", Expression: `enrollment.params.size in ["large"] && enrollment.metadata.score >= 3`},
		{Name: "exclusive", Expression: `!enrolledInOtherProgram()`}, {Name: "again", Expression: `enrolledInOtherProgram()`},
	})
	compared := 0
	for i, in := range inputs {
		for _, rs := range rulesets {
			for _, lookup := range lookups {
				if len(rs) == 1 && !strings.Contains(rs[0].Expression, "enrolledInOtherProgram") && lookup.name != "false" {
					continue // the callback plays no part
				}
				inst := *in.Instance
				inst.EligibilityRules = rs
				run := func(e *Engine) (*enroll.Evaluation, int) {
					calls := 0
					x := in
					x.Instance = &inst
					if lookup.fn != nil {
						x.EnrolledInOtherProgram = func() (bool, error) { calls++; return lookup.fn() }
					}
					ev, err := e.Evaluate(context.Background(), x)
					if err != nil {
						t.Fatalf("input %d: %v", i, err)
					}
					ev.EvaluatedAt = time.Time{}
					return ev, calls
				}
				got, gotCalls := run(fast)
				want, wantCalls := run(ref)
				if !reflect.DeepEqual(got, want) || gotCalls != wantCalls {
					t.Errorf("input %d, lookup %s, rules %q:\n got %+v (%d lookups)\nwant %+v (%d lookups)",
						i, lookup.name, names(rs), got, gotCalls, want, wantCalls)
				}
				compared++
			}
		}
	}
	t.Logf("%d evaluations compared", compared)
}

func names(rs []enroll.Rule) string {
	if len(rs) == 1 {
		return rs[0].Expression
	}
	return fmt.Sprintf("%d rules", len(rs))
}

// TestFastPathCostsMatchReference compares the cost CEL counts for each
// rule on both paths, and the runtime limit's verdict.
func TestFastPathCostsMatchReference(t *testing.T) {
	t.Parallel()
	fast, ref := New(), New(WithReferencePath())
	in := differentialInputs()[0]
	in.EnrolledInOtherProgram = func() (bool, error) { return false, nil }
	for _, expr := range differentialExprs {
		rules := []enroll.Rule{{Name: "r", Expression: expr}}
		fp, rp := &fast.ruleset(rules).programs[0], &ref.ruleset(rules).programs[0]
		if fp.err != nil || strings.Contains(expr, ".exists(k") {
			continue // does not compile; stops at a key of random order
		}
		act := newActivation(in, fast.ruleset(rules).use, fast.template, false)
		_, ferr := fp.evalFrame(act)
		fcost := act.tracker.ActualCost()
		act.release()
		ract := newActivation(in, allUsage, nil, true)
		_, det, rerr := rp.prg.ContextEval(context.Background(), ract)
		ract.release()
		if det == nil || det.ActualCost() == nil {
			t.Fatalf("%s: no cost from the reference", expr)
		}
		if fcost != *det.ActualCost() || fmt.Sprint(ferr) != fmt.Sprint(rerr) {
			t.Errorf("%s: cost %d (%v), reference %d (%v)", expr, fcost, ferr, *det.ActualCost(), rerr)
		}
		if !fp.bound {
			t.Errorf("%s: not planned with the bound helpers", expr)
		}
	}
}

// TestRuntimeCostLimit feeds data past the validation limits, which the
// static estimate assumes, on each path: in a comprehension, with and
// without a context that can end, and in a rule without one, which runs
// with the engine's own cost tracker.
func TestRuntimeCostLimit(t *testing.T) {
	t.Parallel()
	// A tenth of the default limit needs a tenth of the data.
	const limit = DefaultCostLimit / 10
	codes := make([]any, 60_000)
	for i := range codes {
		codes[i] = "code"
	}
	en := sampleEnrollment()
	en.Metadata = map[string]any{"codes": codes, "blob": strings.Repeat("x", 2_000_000)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, expr := range []string{`enrollment.metadata.codes.all(c, c == "code")`, `enrollment.metadata.blob.lowerAscii() == ""`} {
		for _, ctx := range []context.Context{context.Background(), ctx} {
			for _, e := range []*Engine{New(WithCostLimit(limit)), New(WithCostLimit(limit), WithReferencePath())} {
				ev, err := e.Evaluate(ctx, enroll.EvaluationInput{Enrollment: en,
					Instance: &enroll.ProgramInstance{EligibilityRules: []enroll.Rule{{Name: "r", Expression: expr}}}})
				if err != nil {
					t.Fatal(err)
				}
				if got := ev.Trace[0]; got.Outcome != enroll.RuleError || got.Message != "operation cancelled: actual cost limit exceeded" {
					t.Errorf("%s (reference %v): got %+v, want the cost limit", expr, e.reference, got)
				}
			}
		}
	}
}
