package rules

import (
	"reflect"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

func TestAnalyzeUsage(t *testing.T) {
	t.Parallel()
	e := New()
	ks := func(keys ...string) keySet { return keySet{keys: keys} }
	tests := []struct {
		expr string
		want usage
	}{
		{`true`, usage{}},
		{`inStates(["NY"]) && !enrolledInOtherProgram()`, usage{}},
		{`enrollment.email == "x"`, usage{enrollment: eEmail}},
		{`has(enrollment.notes) || enrollment.?leadId.orValue("") == ""`, usage{enrollment: eNotes | eLeadID}},
		{`enrollment["tags"].size() > 0 && enrollment[?"phone"].hasValue()`, usage{enrollment: eTags | ePhone}},
		{`enrollment.address.state == "NY"`, usage{enrollment: eAddress}},
		{`enrollment.params.size in ["a"] && enrollment.metadata.score >= 3`,
			usage{enrollment: eParams | eMetadata, enrollmentParams: ks("size"), enrollmentMetadata: ks("score")}},
		{`enrollment.metadata["a"].b == 1 && has(enrollment.metadata.c) && enrollment.metadata.?d.hasValue()`,
			usage{enrollment: eMetadata, enrollmentMetadata: ks("a", "c", "d")}},
		{`enrollment.metadata.a == 1 && size(enrollment.metadata) > 0`, usage{enrollment: eMetadata, enrollmentMetadata: allKeys}},
		{`enrollment.metadata[enrollment.email] == 1`, usage{enrollment: eMetadata | eEmail, enrollmentMetadata: allKeys}},
		{`enrollment.devices.exists(d, d.type == "x")`, usage{enrollment: eDevices}},
		{`enrollment.noSuchField == 1`, usage{}},
		{`customer.metadata.tier == "gold" && instance.metadata.region == "east" && instance.slug == "x"`,
			usage{customer: cMetadata, customerMetadata: ks("tier"), instance: iMetadata | iSlug, instanceMetadata: ks("region")}},
		{`customer == {}`, usage{customer: allFields, customerMetadata: allKeys}},
		{`"email" in customer`, usage{customer: allFields, customerMetadata: allKeys}},
		{`enrollment.exists(k, k == "x")`, usage{enrollment: allFields, enrollmentMetadata: allKeys, enrollmentParams: allKeys}},
		{`[enrollment][0].email == "x"`, usage{enrollment: allFields, enrollmentMetadata: allKeys, enrollmentParams: allKeys}},
		{`dyn(enrollment).email == "x"`, usage{enrollment: allFields, enrollmentMetadata: allKeys, enrollmentParams: allKeys}},
		{`{"e": enrollment.email}.e == "x"`, usage{enrollment: eEmail}},
		{`[1].exists(enrollment, enrollment == 1)`, allUsage},
		{`enrollment.tags.exists(customer, customer == "vip")`, allUsage},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, got, _, _, _, _, _, err := e.compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !sameUsage(got, tt.want) {
				t.Errorf("usage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func sameUsage(a, b usage) bool {
	sameKeys := func(x, y keySet) bool {
		return x.all == y.all && slices.Equal(slices.Sorted(slices.Values(x.keys)), slices.Sorted(slices.Values(y.keys)))
	}
	return a.enrollment == b.enrollment && a.customer == b.customer && a.instance == b.instance &&
		sameKeys(a.enrollmentMetadata, b.enrollmentMetadata) && sameKeys(a.enrollmentParams, b.enrollmentParams) &&
		sameKeys(a.customerMetadata, b.customerMetadata) && sameKeys(a.instanceMetadata, b.instanceMetadata)
}

func TestUsageUnionAndResolvable(t *testing.T) {
	t.Parallel()
	a := usage{enrollment: eEmail | eMetadata, enrollmentMetadata: keySet{keys: []string{"a"}}}
	b := usage{enrollment: eMetadata, enrollmentMetadata: keySet{keys: []string{"b", "a"}}, instance: iSlug}
	got := a.union(b)
	want := usage{enrollment: eEmail | eMetadata, enrollmentMetadata: keySet{keys: []string{"a", "b"}}, instance: iSlug}
	if !sameUsage(got, want) {
		t.Errorf("union = %+v, want %+v", got, want)
	}
	if u := got.union(usage{enrollmentMetadata: allKeys}); !u.enrollmentMetadata.all {
		t.Errorf("union with all keys = %+v", u.enrollmentMetadata)
	}
	r := got.resolvable()
	if r.enrollment != got.enrollment || r.instance != iSlug || r.customer != allFields || !r.customerMetadata.all {
		t.Errorf("resolvable = %+v", r)
	}
}

func TestNativeShape(t *testing.T) {
	t.Parallel()
	e := New()
	leaf := func(fn string, list ...string) *nativeRule { return &nativeRule{fn: fn, list: list} }
	op := func(o string, args ...*nativeRule) *nativeRule { return &nativeRule{op: o, args: args} }
	other := &nativeRule{fn: fnEnrolledInOtherProgram}
	tests := []struct {
		expr string
		want *nativeRule
	}{
		{`inStates(["NY", "NJ"])`, leaf(fnInStates, "NY", "NJ")},
		{`!inPostalCodes(["100*"])`, op("!_", leaf(fnInPostalCodes, "100*"))},
		{`hasManufacturer([])`, &nativeRule{fn: fnHasManufacturer, list: []string{}}},
		{`enrolledInOtherProgram()`, other},
		{`!enrolledInOtherProgram()`, op("!_", other)},
		{`!!enrolledInOtherProgram()`, other}, // the parser drops !!
		{`!(!enrolledInOtherProgram())`, op("!_", op("!_", other))},
		{`inStates(["NY"]) && !enrolledInOtherProgram()`, op("_&&_", leaf(fnInStates, "NY"), op("!_", other))},
		{`inStates(["NY"]) || hasManufacturer(["a"]) && !enrolledInOtherProgram()`,
			op("_||_", leaf(fnInStates, "NY"), op("_&&_", leaf(fnHasManufacturer, "a"), op("!_", other)))},
		{`inStates(["NY", 1])`, nil},
		{`inStates(instance.metadata.states)`, nil},
		{`inStates([enrollment.address.state])`, nil},
		{`inStates(["NY"]) && true`, nil},
		{`inStates(["NY"]) == true`, nil},
		{`inStates(["NY"]) ? true : false`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, _, _, _, got, _, _, err := e.compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("native = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestNativeCostWithinEstimate checks what lets native rules skip cost
// tracking: whatever the input, their cost in CEL is at most the static
// estimate, which compile holds to the limit.
func TestNativeCostWithinEstimate(t *testing.T) {
	t.Parallel()
	e := New()
	exprs := []string{
		`inStates(["NY", "NJ"])`, `!hasManufacturer(["a", "b", "c"])`, `!enrolledInOtherProgram()`,
		`inStates(["NY"]) && inPostalCodes(["100*"]) && hasManufacturer(["ecobee"]) && !enrolledInOtherProgram()`,
		`inStates(["CA"]) || !enrolledInOtherProgram() || hasManufacturer([])`,
	}
	inputs := differentialInputs()[:3]
	for _, expr := range exprs {
		ast, iss := e.env.Compile(expr)
		if iss.Err() != nil {
			t.Fatal(iss.Err())
		}
		est, err := e.env.EstimateCost(ast, sizeEstimator{})
		if err != nil {
			t.Fatal(err)
		}
		rs := e.ruleset([]enroll.Rule{{Name: "r", Expression: expr}})
		if rs.programs[0].native == nil {
			t.Fatalf("%s: no native form", expr)
		}
		for _, in := range inputs {
			for _, lookup := range lookups {
				in.EnrolledInOtherProgram = lookup.fn
				act := newActivation(in, rs.use, e.template, false)
				_, _ = rs.programs[0].evalFrame(act)
				if c := act.tracker.ActualCost(); c > est.Max || c == 0 {
					t.Errorf("%s, lookup %s: cost %d, estimate %d", expr, lookup.name, c, est.Max)
				}
				act.release()
			}
		}
	}
}
