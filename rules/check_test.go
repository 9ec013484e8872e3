package rules_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

func TestCheckAccepts(t *testing.T) {
	t.Parallel()
	tests := map[string][]enroll.Rule{
		"nil":   nil,
		"empty": {},
		"realistic": {
			rule("in-territory", `inStates(["NY", "NJ"]) && !enrolledInOtherProgram()`, "Outside the territory."),
			rule("zip", `inPostalCodes(["10001", "112*"])`, ""),
			rule("device", `hasManufacturer(["ecobee"]) || enrollment.devices.exists(d, d.type == "thermostat")`, ""),
			rule("vip", `"vip" in enrollment.tags && enrollment.metadata.score >= 3`, ""),
			rule("email", `has(customer.email) && customer.email.lowerAscii().endsWith(".org")`, ""),
			rule("param", `enrollment.params.size in ["small", "large"]`, ""),
			rule("pairs", `enrollment.tags.all(a, enrollment.tags.all(b, a == b || a != b))`, ""),
			rule("optional", `enrollment.?address.?postalCode.orValue("") != ""`, ""),
			rule("sets", `sets.intersects(enrollment.manufacturerSlugs, ["ecobee", "google-nest"])`, ""),
			rule("nested", `enrollment.eligibility.status == "submitted" || instance.metadata["any key"] == 1 || customer.address.city == "Troy"`, ""),
			rule("shadowing", `[{"x": 1}].exists(enrollment, enrollment.x == 1)`, ""),
			// Values whose type the probe cannot know are not judged.
			rule("parameter values", `enrollment.parameters.exists(p, p.value > 1) || enrollment.params.kw + 1 > 2`, ""),
			rule("converted time", `enrollment.devices.exists(d, timestamp(d.installDate) > timestamp("2020-01-01T00:00:00Z"))`, ""),
			rule("instance", `size(instance.eligibilityRules) >= 1 && instance.metadata.region + "x" != ""`, ""),
			// Members of list items, free-form ones and shadowed names included.
			rule("items", `enrollment.devices.exists(d, d.attributes.kw > 1.0 || d.configuration.?mode.orValue("") == "eco") && `+
				`enrollment.parameters.exists(p, p.externalId == "kw" && (!has(p.error) || p.error.id == "PARAM_TYPE"))`, ""),
			rule("instance items", `instance.parameters.exists(p, p.constraints.options.exists(o, o == "a")) || instance.groups.exists(g, g.id == "x") || `+
				`instance.eligibilityRules.all(r, r.name != "")`, ""),
			rule("shadowed item", `enrollment.devices.exists(d, [{"q": 1}].exists(d, d.q == 1))`, ""),
			rule("trace items", `has(enrollment.evaluation) && enrollment.evaluation.trace.exists(t, t.outcome == "failed")`, ""),
		},
	}
	e := rules.New()
	for name, rs := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := e.Check(rs, nil); err != nil {
				t.Errorf("Check: %v (%+v)", err, fieldsOf(err))
			}
		})
	}
}

// TestCheckAcceptsCollectionRules saves rules over every list and map a
// real enrollment, customer and instance always carry, [] or {} when
// empty: the trial run must have them too, not null.
func TestCheckAcceptsCollectionRules(t *testing.T) {
	t.Parallel()
	fields := []string{
		"enrollment.manufacturerSlugs", "enrollment.devices", "enrollment.tags", "enrollment.metadata",
		"enrollment.parameters", "enrollment.groupIds", "enrollment.params", "enrollment.evaluation.trace",
		"customer.metadata",
		"instance.eligibilityRules", "instance.parameters", "instance.groups", "instance.metadata",
	}
	e := rules.New()
	for _, f := range fields {
		for _, expr := range []string{f + ".size() > 0", "size(" + f + ") == 0", f + ".size() >= 0 && " + f + " == " + f} {
			t.Run(expr, func(t *testing.T) {
				t.Parallel()
				if err := e.Check([]enroll.Rule{rule("r", expr, "")}, nil); err != nil {
					t.Errorf("Check: %v (%+v)", err, fieldsOf(err))
				}
			})
		}
	}
}

func TestCheckRejects(t *testing.T) {
	t.Parallel()
	good := rule("good", `inStates(["NY"])`, "")
	tests := []struct {
		name    string
		bad     enroll.Rule
		message string // a substring of the field message, after the rule name
	}{
		{"syntax error", rule("syntax", `enrollment.tags.exists(t, t == "a"`, ""), "Syntax error"},
		{"not bool", rule("not-bool", `size(enrollment.tags)`, ""), "must evaluate to bool, not int"},
		{"dyn is not bool", rule("dyn", `enrollment.metadata.flag`, ""), "must evaluate to bool, not dyn"},
		{"unknown variable", rule("unknown", `lead.email == "x"`, ""), "undeclared reference to 'lead'"},
		{"unknown function", rule("unknown-fn", `inCounty(["Kings"])`, ""), "undeclared reference to 'inCounty'"},
		{"wrong argument", rule("bad-arg", `inStates("NY")`, ""), "found no matching overload for 'inStates'"},
		{"expensive", rule("expensive", `enrollment.tags.all(a, enrollment.tags.all(b, enrollment.tags.all(c, a + b + c != "")))`, ""), "exceeds the limit"},
		{"expensive range", rule("range", `lists.range(1000).all(i, lists.range(1000).all(j, i != j))`, ""), "exceeds the limit"},
		{"unknown field", rule("typo", `enrollment.nosuchfield == 1`, ""), "enrollment.nosuchfield is not a field"},
		{"unknown field in has", rule("has", `has(customer.emial)`, ""), "customer.emial is not a field"},
		// The variables are dynamic maps, so CEL's checker lets these by;
		// the probe, with every field set, finds them.
		{"text plus number", rule("typed", `enrollment.firstName + 1 == 2`, ""), "types that do not go together"},
		{"number in a state list", rule("states", `inStates([1, "NY"])`, ""), "types that do not go together"},
		{"time as text", rule("dates", `enrollment.devices.exists(d, d.installDate > timestamp("2020-01-01T00:00:00Z"))`, ""), "types that do not go together"},
		{"unknown member", rule("member", `enrollment.adress.state == "NY" || enrollment.address.sate == "NY"`, ""), "enrollment.adress is not a field"},
		{"unknown nested member", rule("nested", `enrollment.address.sate == "NY"`, ""), "enrollment.address.sate is not a field"},
		{"unknown field by index", rule("index", `instance["metdata"].region == "east"`, ""), "instance.metdata is not a field"},
		// Members of the items of lists, by a comprehension's variable or an index.
		{"unknown device member", rule("device", `enrollment.devices.exists(d, d.manufacturer == "tesla")`, ""), "enrollment.devices[].manufacturer is not a field"},
		{"unknown member by index", rule("first", `enrollment.devices[0].serial == "x"`, ""), "enrollment.devices[].serial is not a field"},
		{"unknown parameter error member", rule("error", `enrollment.parameters.exists(p, has(p.error) && p.error.code == "X")`, ""), "enrollment.parameters[].error.code is not a field"},
		{"unknown constraint", rule("constraint", `instance.parameters.all(p, !p.constraints.requird)`, ""), "instance.parameters[].constraints.requird is not a field"},
		{"unknown trace member", rule("trace", `enrollment.evaluation.trace.exists(t, t.outcom == "failed")`, ""), "enrollment.evaluation.trace[].outcom is not a field"},
		{"unknown member in a map", rule("map", `enrollment.devices.map(d, d.typ).size() > 0`, ""), "enrollment.devices[].typ is not a field"},
		{"unknown group member", rule("group", `instance.groups.exists(g, g.label == "x")`, ""), "instance.groups[].label is not a field"},
	}
	e := rules.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.Check([]enroll.Rule{good, tt.bad}, nil)
			var de *enroll.Error
			if !errors.As(err, &de) || de.Code != enroll.EINVALID {
				t.Fatalf("Check = %v, want EINVALID", err)
			}
			if !strings.Contains(de.Message, `"`+tt.bad.Name+`"`) {
				t.Errorf("Message %q does not name rule %q", de.Message, tt.bad.Name)
			}
			if len(de.Fields) != 1 {
				t.Fatalf("Fields = %+v, want one", de.Fields)
			}
			f := de.Fields[0]
			if f.Location != "body.eligibilityRules[1].expression" || f.Value != tt.bad.Expression {
				t.Errorf("field = %+v", f)
			}
			if !strings.HasPrefix(f.Message, tt.bad.Name+": ") || !strings.Contains(f.Message, tt.message) {
				t.Errorf("field message %q, want %q and %q", f.Message, tt.bad.Name+": ", tt.message)
			}
		})
	}
}

// TestCheckParameters saves rules over the parameters an instance
// declares: the trial run gives each a value of its type, a number a
// double as rules see it, and then none, so a rule that combines them
// with values of another type is refused with advice. Parameters the
// instance does not declare are not judged.
func TestCheckParameters(t *testing.T) {
	t.Parallel()
	declared := []enroll.Parameter{
		{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber},
		{ExternalID: "size", Name: "Size", Type: enroll.ParamChoice, Constraints: enroll.ParameterConstraints{Options: []string{"small", "large"}}},
		{ExternalID: "start", Name: "Start", Type: enroll.ParamDate},
		{ExternalID: "solar", Name: "Solar", Type: enroll.ParamBoolean},
		{ExternalID: "name", Name: "Name", Type: enroll.ParamString, Constraints: enroll.ParameterConstraints{Pattern: "^[a-z]+$"}},
		{ExternalID: "site", Name: "Site", Type: enroll.ParamObject},
		{ExternalID: "floors", Name: "Floors", Type: enroll.ParamNumber},
	}
	tests := []struct {
		expr    string
		params  []enroll.Parameter
		message string // a substring of the field message; "" when accepted
	}{
		{`enrollment.params.kw * 2.0 > 10.0`, declared, ""},
		{`enrollment.params.kw * 2 > 10`, declared, "enrollment.params.kw is a number parameter, which rules see as a double (7.0 even when sent as 7): combine it with doubles (2.0, not 2)"},
		{`enrollment.params["kw"] + 1 > enrollment.params.floors - 1`, declared, "enrollment.params.kw and enrollment.params.floors are number parameters"},
		{`enrollment.parameters.exists(p, p.externalId == "kw" && p.value * 2 > 10)`, declared, "the values of number parameters are doubles in rules (7.0 even when sent as 7): combine them with doubles (2.0, not 2)"},
		{`enrollment.parameters.exists(p, p.externalId == "kw" && p.value * 2.0 > 10.0)`, declared, ""},
		{`enrollment.params.kw == 7 || enrollment.params.kw < 2 || enrollment.params.kw >= 100 || enrollment.params.kw in [3, 4]`, declared, ""},
		{`int(enrollment.params.kw) % 2 == 0 && enrollment.params.kw / 2.0 < 3.0`, declared, ""},
		{`enrollment.params.kw % 2 == 0`, declared, "types that do not go together"},
		{`enrollment.params.?kw.orValue(0.0) * 2.0 > 1.0`, declared, ""},
		{`enrollment.params.?kw.orValue(0) * 2.0 > 1.0`, declared, "no parameter values"},
		{`!has(enrollment.params.kw) || enrollment.params.kw * 2.0 > 1.0`, declared, ""},
		{`enrollment.params.size in ["small", "large"]`, declared, ""},
		{`enrollment.params.size + 1 == 2`, declared, "types that do not go together"},
		{`enrollment.params.start.startsWith("2026") || timestamp(enrollment.params.start) > timestamp("2020-01-01T00:00:00Z")`, declared, ""},
		{`enrollment.params.start > timestamp("2020-01-01T00:00:00Z")`, declared, "types that do not go together"},
		{`enrollment.params.solar == true && !enrollment.params.solar == false`, declared, ""},
		{`enrollment.params.solar + 1 > 0`, declared, "types that do not go together"},
		{`enrollment.params.name.matches("^[a-z]+$")`, declared, ""},
		{`enrollment.params.name * 2.0 > 1.0`, declared, "types that do not go together"},
		{`enrollment.params.site.rooms > 2 && size(enrollment.params.site) > 0`, declared, ""},
		{`enrollment.params.site + 1 == 2`, declared, "types that do not go together"},
		{`instance.parameters.exists(p, p.type == "number" && p.constraints.required == false)`, declared, ""},
		{`enrollment.parameters.size() == 7 && enrollment.params.size() == 7`, declared, ""},
		// Not declared, so of no known type: not judged, as before.
		{`enrollment.params.other * 2 > 1`, declared, ""},
		{`enrollment.params.kw * 2 > 10 && enrollment.params.size + 1 == 2`, nil, ""},
	}
	e := rules.New()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.expr, len(tt.params)), func(t *testing.T) {
			t.Parallel()
			err := e.Check([]enroll.Rule{rule("r", tt.expr, "")}, tt.params)
			if tt.message == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if fs := fieldsOf(err); len(fs) != 1 || !strings.Contains(fs[0].Message, tt.message) {
				t.Fatalf("Check = %v, want one field error with %q", err, tt.message)
			}
		})
	}
}

func TestCheckPositionAndSeveralRules(t *testing.T) {
	t.Parallel()
	err := rules.New().Check([]enroll.Rule{
		rule("a", "true &&\n  enrollment.tags.exists(t, t ==)", ""),
		rule("b", `true`, ""),
		rule("c", `1 + 1`, ""),
	}, nil)
	fields := fieldsOf(err)
	if len(fields) != 2 || fields[0].Location != "body.eligibilityRules[0].expression" || fields[1].Location != "body.eligibilityRules[2].expression" {
		t.Fatalf("fields = %+v", fields)
	}
	if !regexp.MustCompile(`^a: 2:\d+: Syntax error`).MatchString(fields[0].Message) {
		t.Errorf("message %q lacks the line:column position", fields[0].Message)
	}
	if msg := enroll.ErrorMessage(err); !strings.Contains(msg, `"a"`) || !strings.Contains(msg, "1 more") {
		t.Errorf("Message = %q", msg)
	}
}

func TestCheckCostLimitOption(t *testing.T) {
	t.Parallel()
	rs := []enroll.Rule{rule("scan", `enrollment.tags.exists(t, t == "vip")`, "")}
	if err := rules.New().Check(rs, nil); err != nil {
		t.Fatalf("default limit: %v", err)
	}
	if err := rules.New(rules.WithCostLimit(10)).Check(rs, nil); enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("limit 10: %v, want EINVALID", err)
	}
}

func fieldsOf(err error) []enroll.FieldError {
	var de *enroll.Error
	if errors.As(err, &de) {
		return de.Fields
	}
	return nil
}
