package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"

	"github.com/enrollhq/enroll"
)

// filler populates values at random with what the domain objects may hold:
// every exported field, often empty or nil to exercise omitempty and
// null, and free-form values of every kind the fast conversion handles.
type filler struct {
	r *rand.Rand
}

func newFiller(seed uint64) *filler {
	return &filler{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (f *filler) chance(p float64) bool { return f.r.Float64() < p }

var fillerStrings = []string{"", "a", "NY", "ny", "10001", "K1A 0B1", "ecobee", "<b>&amp;</b>", "línea\u2028sep", "日本語", `quote"back\slash`, "tab\tnew\nline", "\x00nul", "emoji 🙂"}

func (f *filler) string() string {
	if f.chance(0.5) {
		return fillerStrings[f.r.IntN(len(fillerStrings))]
	}
	var b strings.Builder
	for range f.r.IntN(12) {
		b.WriteRune(rune(f.r.IntN(0x3000) + 1))
	}
	return b.String()
}

func (f *filler) time() time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("EST", -5*3600), time.FixedZone("IST", 5*3600+1800),
		time.FixedZone("odd", 23*3600+59*60+59), time.FixedZone("sec", 30), time.Local}
	sec := f.r.Int64N(253402300799-(-62135596800)) - 62135596800 // years 1 to 9999, UTC
	t := time.Unix(sec, f.r.Int64N(1e9)).In(zones[f.r.IntN(len(zones))])
	if t.Year() < 1 || t.Year() > 9998 {
		t = t.In(time.UTC)
	}
	if f.chance(0.3) {
		t = t.Truncate(time.Second)
	}
	return t
}

// value returns a free-form value: what a JSON decoding or a Go caller may
// put in metadata or a parameter value.
func (f *filler) value(depth int) any {
	n := 17
	if depth >= 3 {
		n = 13 // no more nesting
	}
	switch f.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return f.chance(0.5)
	case 2:
		return f.string()
	case 3:
		return f.r.IntN(600) - 300
	case 4:
		return int64(f.r.Uint64())
	case 5:
		return []any{int8(-3), int16(1000), int32(-70000), uint(7), uint8(200), uint16(60000), uint32(4e9)}[f.r.IntN(7)]
	case 6:
		return []uint64{0, 255, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64}[f.r.IntN(5)]
	case 7:
		return float64(f.r.IntN(2000) - 1000) // whole: int64 after JSON
	case 8:
		return f.r.NormFloat64() * 1e3
	case 9:
		return []float64{0, math.Copysign(0, -1), 0.5, 1e-7, 1e20, -1e20, 1e21, 1e300, 1 << 53, 1<<53 + 2, 1 << 60, -(1 << 62), 1 << 63, 9.2e18, 123456789012345680000, math.MaxFloat64, math.SmallestNonzeroFloat64}[f.r.IntN(17)]
	case 10:
		return map[string]any(nil)
	case 11:
		return []any(nil)
	case 12:
		return float64(f.r.Int64N(1<<53)) * float64(1+f.r.IntN(4000)) // large wholes near and past 2^53
	case 13, 14:
		m := map[string]any{}
		for range f.r.IntN(5) {
			m[f.string()] = f.value(depth + 1)
		}
		return m
	default:
		l := make([]any, f.r.IntN(5))
		for i := range l {
			l[i] = f.value(depth + 1)
		}
		return l
	}
}

// fill populates v, a settable value, field by field.
func (f *filler) fill(v reflect.Value) {
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(f.time()))
		return
	case map[string]any:
		switch {
		case f.chance(0.15):
		case f.chance(0.15):
			v.Set(reflect.ValueOf(map[string]any{}))
		default:
			m := map[string]any{}
			for range 1 + f.r.IntN(6) {
				m[f.string()] = f.value(1)
			}
			v.Set(reflect.ValueOf(m))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.string())
	case reflect.Bool:
		v.SetBool(f.chance(0.5))
	case reflect.Int, reflect.Int64:
		v.SetInt(f.r.Int64N(2000) - 1000)
	case reflect.Interface:
		if x := f.value(0); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Pointer:
		if f.chance(0.2) {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem())
		v.Set(p)
	case reflect.Slice:
		switch {
		case f.chance(0.15):
		case f.chance(0.15):
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+f.r.IntN(3), 3)
			for i := range s.Len() {
				f.fill(s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	default:
		panic(fmt.Sprintf("filler: cannot fill %s", v.Type()))
	}
}

func (f *filler) enrollment() *enroll.Enrollment {
	var e enroll.Enrollment
	f.fill(reflect.ValueOf(&e).Elem())
	if f.chance(0.3) && len(e.Parameters) > 1 {
		e.Parameters[1].ExternalID = e.Parameters[0].ExternalID // a repeated id: the last wins
	}
	return &e
}

func (f *filler) customer() *enroll.Customer {
	if f.chance(0.1) {
		return nil
	}
	var c enroll.Customer
	f.fill(reflect.ValueOf(&c).Elem())
	return &c
}

func (f *filler) instance() *enroll.ProgramInstance {
	var in enroll.ProgramInstance
	f.fill(reflect.ValueOf(&in).Elem())
	return &in
}

// declare makes in declare some of e's parameters, mostly as numbers,
// whose values rules see as doubles (numberParam).
func (f *filler) declare(in *enroll.ProgramInstance, e *enroll.Enrollment) {
	kinds := []enroll.ParameterType{enroll.ParamNumber, enroll.ParamNumber, enroll.ParamString, enroll.ParamObject}
	for _, p := range e.Parameters {
		if f.chance(0.6) {
			d := enroll.Parameter{ExternalID: p.ExternalID, Name: "n", Type: kinds[f.r.IntN(len(kinds))]}
			in.Parameters = slices.Insert(in.Parameters, f.r.IntN(len(in.Parameters)+1), d)
		}
	}
}

// jsonValue is the reference conversion's result, failing on an error.
func jsonValue(t *testing.T, v any) map[string]any {
	t.Helper()
	if err, ok := v.(*types.Err); ok {
		t.Fatalf("reference conversion: %v", err)
	}
	return v.(map[string]any)
}

// TestFastConversionMatchesJSON is the property that makes the fast
// conversion safe: for any object, whole, it gives exactly the maps of the
// JSON round trip, and any arena reuse leaves no trace.
func TestFastConversionMatchesJSON(t *testing.T) {
	t.Parallel()
	var ar arena
	for seed := range uint64(1000) {
		f := newFiller(seed)
		e, c, in := f.enrollment(), f.customer(), f.instance()
		f.declare(in, e)
		a := &ar
		if seed%3 == 0 {
			a = nil
		}
		check := func(what string, v any, ok bool, want map[string]any) {
			t.Helper()
			if !ok {
				t.Fatalf("seed %d: the fast conversion of the %s declined", seed, what)
			}
			got, isMap := v.(map[string]any)
			if !isMap {
				t.Fatalf("seed %d: the whole %s is a %T", seed, what, v)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: %s:\nfast %s\njson %s", seed, what, dump(got), dump(want))
			}
		}
		got, ok := enrollmentMap(a, e, in, allFields, &allKeys, &allKeys)
		check("enrollment", got, ok, jsonValue(t, enrollmentJSON(e, in)))
		got, ok = customerMap(a, c, allFields, &allKeys)
		check("customer", got, ok, jsonValue(t, customerJSON(c)))
		got, ok = instanceMap(a, in, allFields, &allKeys)
		check("instance", got, ok, jsonValue(t, instanceJSON(in)))
		if a != nil {
			a.reset()
		}
	}
}

// TestPrunedConversionMatchesJSON checks the conversion of some fields and
// some metadata and params entries: each is as in the whole JSON form.
func TestPrunedConversionMatchesJSON(t *testing.T) {
	t.Parallel()
	var ar arena
	for seed := range uint64(600) {
		f := newFiller(seed)
		e, c, in := f.enrollment(), f.customer(), f.instance()
		f.declare(in, e)
		pick := func(full map[string]any, names []string, free ...string) (fieldMask, map[string]*keySet) {
			need := fieldMask(f.r.Uint64()) & (1<<len(names) - 1)
			keys := map[string]*keySet{}
			for _, name := range free {
				ks := &keySet{all: f.chance(0.3)}
				if m, _ := full[name].(map[string]any); m != nil {
					for k := range m {
						if f.chance(0.5) {
							ks.add(k)
						}
					}
				}
				ks.add("absent key")
				keys[name] = ks
			}
			return need, keys
		}
		check := func(what string, v any, ok bool, full map[string]any, names []string, need fieldMask, keys map[string]*keySet) {
			t.Helper()
			if !ok {
				t.Fatalf("seed %d: the fast conversion of the %s declined", seed, what)
			}
			got := plain(v)
			want := map[string]any{}
			for i, name := range names {
				v, found := full[name]
				if need&(1<<i) == 0 || !found {
					continue
				}
				if ks := keys[name]; ks != nil && !ks.all {
					if m, isMap := v.(map[string]any); isMap {
						sub := map[string]any{}
						for k, x := range m {
							if ks.wants(k) {
								sub[k] = x
							}
						}
						v = sub
					}
				}
				want[name] = v
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: %s with mask %b:\nfast %s\nwant %s", seed, what, need, dump(got), dump(want))
			}
		}
		full := jsonValue(t, enrollmentJSON(e, in))
		need, keys := pick(full, enrollmentFields, "metadata", "params")
		got, ok := enrollmentMap(&ar, e, in, need, keys["metadata"], keys["params"])
		check("enrollment", got, ok, full, enrollmentFields, need, keys)
		if c != nil {
			full = jsonValue(t, customerJSON(c))
			need, keys = pick(full, customerFields, "metadata")
			got, ok = customerMap(&ar, c, need, keys["metadata"])
			check("customer", got, ok, full, customerFields, need, keys)
		}
		full = jsonValue(t, instanceJSON(in))
		need, keys = pick(full, instanceFields, "metadata")
		got, ok = instanceMap(&ar, in, need, keys["metadata"])
		check("instance", got, ok, full, instanceFields, need, keys)
		ar.reset()
	}
}

// jsonFieldCount is how many fields of struct type t its JSON form can have.
func jsonFieldCount(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
			n++
		}
	}
	return n
}

// plain returns the map a conversion result stands for, partials as maps.
func plain(v any) map[string]any {
	switch x := v.(type) {
	case *partial:
		return x.asMap()
	case map[string]any:
		return x
	}
	panic(fmt.Sprintf("plain(%T)", v))
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// TestFieldTablesMatchJSON keeps the field tables, and so the fast
// conversion, in step with the domain types: a field added to them shows
// up here until the conversion knows it.
func TestFieldTablesMatchJSON(t *testing.T) {
	t.Parallel()
	f := newFiller(1)
	keys := func(v any) []string {
		// Fill until every field is present, omitempty ones included.
		rv := reflect.New(reflect.TypeOf(v).Elem())
		for range 50 {
			f.fill(rv.Elem())
			m, err := toMap(rv.Interface())
			if err != nil {
				t.Fatal(err)
			}
			if len(m) == jsonFieldCount(rv.Elem().Type()) {
				out := make([]string, 0, len(m))
				for k := range m {
					out = append(out, k)
				}
				slices.Sort(out)
				return out
			}
		}
		t.Fatalf("could not fill every field of %T", v)
		return nil
	}
	sorted := func(names []string) []string { return slices.Sorted(slices.Values(names)) }
	if got, want := sorted(enrollmentFields), sorted(append(keys(&enroll.Enrollment{}), "params")); !slices.Equal(got, want) {
		t.Errorf("enrollmentFields = %v, JSON has %v", got, want)
	}
	if got, want := sorted(customerFields), keys(&enroll.Customer{}); !slices.Equal(got, want) {
		t.Errorf("customerFields = %v, JSON has %v", got, want)
	}
	if got, want := sorted(instanceFields), keys(&enroll.ProgramInstance{}); !slices.Equal(got, want) {
		t.Errorf("instanceFields = %v, JSON has %v", got, want)
	}
	if len(enrollmentFields) > 64 {
		t.Errorf("%d enrollment fields do not fit a fieldMask", len(enrollmentFields))
	}
	// The members unknownField accepts in the fixed-shape objects, and in
	// the items of their lists.
	en, cu, in := variableShapes[varEnrollment].members, variableShapes[varCustomer].members, variableShapes[varInstance].members
	for path, c := range map[string]struct {
		s *shape
		v any
	}{
		"enrollment":                        {variableShapes[varEnrollment], &enroll.Enrollment{}},
		"customer":                          {variableShapes[varCustomer], &enroll.Customer{}},
		"instance":                          {variableShapes[varInstance], &enroll.ProgramInstance{}},
		"enrollment.address":                {en["address"], &enroll.Address{}},
		"customer.address":                  {cu["address"], &enroll.Address{}},
		"enrollment.eligibility":            {en["eligibility"], &enroll.Eligibility{}},
		"enrollment.evaluation":             {en["evaluation"], &enroll.Evaluation{}},
		"enrollment.evaluation.trace[]":     {en["evaluation"].members["trace"].item, &enroll.RuleResult{}},
		"enrollment.devices[]":              {en["devices"].item, &enroll.Device{}},
		"enrollment.parameters[]":           {en["parameters"].item, &enroll.ParameterValue{}},
		"enrollment.parameters[].error":     {en["parameters"].item.members["error"], &enroll.ParameterError{}},
		"instance.eligibilityRules[]":       {in["eligibilityRules"].item, &enroll.Rule{}},
		"instance.parameters[]":             {in["parameters"].item, &enroll.Parameter{}},
		"instance.parameters[].constraints": {in["parameters"].item.members["constraints"], &enroll.ParameterConstraints{}},
		"instance.groups[]":                 {in["groups"].item, &enroll.Group{}},
	} {
		var got []string
		for name := range c.s.members {
			got = append(got, name)
		}
		want := keys(c.v)
		if path == "enrollment" {
			want = sorted(append(want, "params"))
		}
		if got := sorted(got); !slices.Equal(got, want) {
			t.Errorf("the shape of %s has %v, JSON has %v", path, got, want)
		}
	}
}

// TestFastConversionDeclines checks that what the fast conversion cannot
// reproduce with certainty goes to the JSON path, wherever it is in the
// object and whichever fields are asked for: the JSON path fails on the
// whole object or alters values, and the fast one must not differ.
func TestFastConversionDeclines(t *testing.T) {
	t.Parallel()
	deep := map[string]any{}
	for range maxDepth + 2 {
		deep = map[string]any{"x": deep}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	badTime := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	farZone := time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 25*3600))
	tests := []struct {
		name   string
		modify func(*enroll.Enrollment)
		// alters, for a problem that alters a value rather than failing the
		// whole encoding: the fields where it shows.
		alters fieldMask
	}{
		{"NaN in metadata", func(e *enroll.Enrollment) { e.Metadata["x"] = math.NaN() }, 0},
		{"Inf in a list", func(e *enroll.Enrollment) { e.Metadata["x"] = []any{1, math.Inf(-1)} }, 0},
		{"Inf in device attributes", func(e *enroll.Enrollment) { e.Devices[0].Attributes = map[string]any{"w": math.Inf(1)} }, 0},
		{"NaN parameter", func(e *enroll.Enrollment) { e.Parameters[0].Value = math.NaN() }, 0},
		{"float32", func(e *enroll.Enrollment) { e.Metadata["x"] = float32(0.1) }, 0},
		{"json.Number", func(e *enroll.Enrollment) { e.Metadata["x"] = json.Number("1.0") }, 0},
		{"string slice", func(e *enroll.Enrollment) { e.Metadata["x"] = []string{"a"} }, 0},
		{"struct", func(e *enroll.Enrollment) { e.Metadata["x"] = struct{ A int }{1} }, 0},
		{"time value", func(e *enroll.Enrollment) { e.Metadata["x"] = time.Now() }, 0},
		{"channel", func(e *enroll.Enrollment) { e.Metadata["x"] = make(chan int) }, 0},
		{"deep", func(e *enroll.Enrollment) { e.Metadata["x"] = deep }, 0},
		{"cycle", func(e *enroll.Enrollment) { e.Metadata["x"] = cyclic }, 0},
		{"year 10000", func(e *enroll.Enrollment) { e.CreatedAt = badTime }, 0},
		{"year 10000 in a pointer", func(e *enroll.Enrollment) { e.EnrolledAt = &badTime }, 0},
		{"zone past 24h", func(e *enroll.Enrollment) { e.UpdatedAt = farZone }, 0},
		{"install date", func(e *enroll.Enrollment) { e.Devices[0].InstallDate = &badTime }, 0},
		{"evaluation time", func(e *enroll.Enrollment) { e.Evaluation = &enroll.Evaluation{EvaluatedAt: badTime} }, 0},
		{"invalid UTF-8 metadata key", func(e *enroll.Enrollment) { e.Metadata["a\xff"] = 1 }, eMetadata},
		{"invalid UTF-8 parameter id", func(e *enroll.Enrollment) { e.Parameters[0].ExternalID = "s\xffze" }, eParameters | eParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := sampleEnrollment()
			tt.modify(e)
			// Asked for one field, the metadata "score" entry, params "size":
			// each time the problem may lie outside what is asked for.
			needs := []fieldMask{allFields, eEmail, eMetadata, eParams, eDevices | eCreatedAt}
			for _, need := range needs {
				for _, ks := range []*keySet{&allKeys, {keys: []string{"score"}}} {
					_, ok := enrollmentMap(nil, e, nil, need, ks, &keySet{keys: []string{"size"}})
					if wantOK := tt.alters != 0 && need&tt.alters == 0; ok != wantOK {
						t.Errorf("mask %b, keys %v: the fast conversion succeeded: %v, want %v", need, ks, ok, wantOK)
					}
				}
			}
		})
	}

	// An invalid string the encoding would alter: declined when asked for,
	// else not observable.
	e := sampleEnrollment()
	e.Email = "ada\xff@example.com"
	if _, ok := enrollmentMap(nil, e, nil, eEmail, &allKeys, &allKeys); ok {
		t.Error("invalid UTF-8 email: the fast conversion did not decline")
	}
	if m, ok := enrollmentMap(nil, e, nil, eFirstName, &allKeys, &allKeys); !ok || plain(m)["firstName"] != "Ada" {
		t.Errorf("invalid UTF-8 email not asked for: got %v, %v", m, ok)
	}
	// Errors the JSON path reports end up as the variable's value.
	e = sampleEnrollment()
	e.Metadata["x"] = math.NaN()
	if err, ok := enrollmentJSON(e, nil).(*types.Err); !ok || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("enrollmentJSON with NaN = %v, want an error", err)
	}
}

func sampleEnrollment() *enroll.Enrollment {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return &enroll.Enrollment{
		ID: "enr_1", FirstName: "Ada", Email: "ada@example.com",
		Address:     &enroll.Address{State: "NY", PostalCode: "10001"},
		Devices:     []enroll.Device{{ID: "d1", ManufacturerSlug: "ecobee"}},
		Metadata:    map[string]any{"score": 3, "ratio": 0.5},
		Parameters:  []enroll.ParameterValue{{ExternalID: "size", Value: "large"}, {ExternalID: "count", Value: 2.0}},
		Eligibility: enroll.Eligibility{Status: enroll.StatusCandidate},
		CreatedAt:   now, UpdatedAt: now,
	}
}

// TestTimeEncodes compares timeEncodes with the check it stands for:
// whether MarshalJSON succeeds.
func TestTimeEncodes(t *testing.T) {
	t.Parallel()
	var times []time.Time
	for _, y := range []int{-1, 0, 1, 1969, 2025, 9999, 10000} {
		for _, off := range []int{0, 30, -30, 3600, -3600, 86399, -86399, 86400, -86400, 86460, 100 * 3600} {
			zone := time.FixedZone("z", off)
			times = append(times,
				time.Date(y, 1, 1, 0, 0, 0, 0, zone), time.Date(y, 12, 31, 23, 59, 59, 999999999, zone),
				time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).In(zone), time.Date(y, 12, 31, 23, 59, 59, 0, time.UTC).In(zone))
		}
	}
	for _, tm := range times {
		_, err := tm.MarshalJSON()
		if got := timeEncodes(tm); got != (err == nil) {
			t.Errorf("timeEncodes(%v) = %v, MarshalJSON error %v", tm, got, err)
		}
		s, ok := timeString(tm)
		b, _ := tm.MarshalJSON()
		if ok != (err == nil) || ok && `"`+s+`"` != string(b) {
			t.Errorf("timeString(%v) = %q, %v; MarshalJSON %s, %v", tm, s, ok, b, err)
		}
	}
}

// TestNormalizeNumbers compares the numbers of normalize with those of the
// JSON round trip, around every boundary of JSON's number formatting.
func TestNormalizeNumbers(t *testing.T) {
	t.Parallel()
	var nums []any
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-7, 1e-6, 123.5, 1<<53 - 1, 1 << 53, 1<<53 + 2, 1 << 60, 1<<63 - 1024,
		1 << 63, -(1 << 63), -(1 << 63) - 2048, 9.999999999999999e20, 1e21, -1e21, 1e22, math.MaxFloat64, -math.MaxFloat64} {
		nums = append(nums, f, math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		nums = append(nums, math.Float64frombits(r.Uint64()), float64(r.Int64()), math.Ldexp(float64(r.Int64N(1<<53)), r.IntN(80)))
	}
	nums = append(nums, uint64(math.MaxInt64), uint64(math.MaxInt64)+1, uint64(math.MaxUint64), uint(0), int8(-128), math.MinInt64)
	for _, n := range nums {
		if f, ok := n.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			continue
		}
		want, err := toMap(map[string]any{"n": n})
		if err != nil {
			t.Fatal(err)
		}
		got, _, ok := normalize(nil, n, 0)
		if !ok || !reflect.DeepEqual(got, want["n"]) {
			t.Errorf("normalize(%T %v) = %T %v, %v; JSON gives %T %v", n, n, got, got, ok, want["n"], want["n"])
		}
	}
}

// TestNormalizeReusesInput checks that values needing no change are not
// copied, and that changed ones do not modify the input.
func TestNormalizeReusesInput(t *testing.T) {
	t.Parallel()
	plain := map[string]any{"a": "x", "b": []any{true, nil, 1.5}, "c": int64(2)}
	out, changed, ok := normalize(nil, plain, 0)
	if !ok || changed || reflect.ValueOf(out).UnsafePointer() != reflect.ValueOf(plain).UnsafePointer() {
		t.Errorf("normalize copied a map that needs no change: %v %v", changed, ok)
	}
	mixed := map[string]any{"a": "x", "b": []any{true, 2.0}, "c": 3}
	out, changed, ok = normalize(nil, mixed, 0)
	want := map[string]any{"a": "x", "b": []any{true, int64(2)}, "c": int64(3)}
	if !ok || !changed || !reflect.DeepEqual(out, want) {
		t.Errorf("normalize = %v, %v, %v; want %v", out, changed, ok, want)
	}
	if mixed["c"] != 3 || mixed["b"].([]any)[1] != 2.0 {
		t.Errorf("normalize modified its input: %v", mixed)
	}
}

// TestArenaReuse checks that maps and lists handed out again come back
// empty, within the bounds.
func TestArenaReuse(t *testing.T) {
	t.Parallel()
	var ar arena
	for round := range 3 {
		for i := range arenaMaxItems + 5 {
			m := ar.newMap(2)
			if len(m) != 0 {
				t.Fatalf("round %d: map %d not empty: %v", round, i, m)
			}
			for j := range i % 10 {
				m[fmt.Sprint(j)] = j
			}
			p := ar.newPartial(2)
			if len(p.keys) != 0 || len(p.vals) != 0 || slices.ContainsFunc(p.vals[:cap(p.vals)], func(x any) bool { return x != nil }) {
				t.Fatalf("round %d: partial %d not empty: %+v", round, i, p)
			}
			p.set("a", i)
			p.set("b", i)
			p.set("a", -i)
			if v, ok := p.FindStringKey("a"); !ok || v != -i || len(p.keys) != 2 {
				t.Fatalf("round %d: partial %+v", round, p)
			}
			l := ar.newList(i % 7)
			if len(l) != i%7 || slices.ContainsFunc(l, func(x any) bool { return x != nil }) {
				t.Fatalf("round %d: list %d = %v", round, i, l)
			}
			for j := range l {
				l[j] = j
			}
		}
		big := ar.newMap(0)
		for j := range arenaMaxLen + 1 {
			big[fmt.Sprint(j)] = j
		}
		ar.reset()
		if len(ar.maps) > arenaMaxItems || len(ar.lists) > arenaMaxItems {
			t.Fatalf("arena keeps %d maps, %d lists", len(ar.maps), len(ar.lists))
		}
	}
	var nilArena *arena
	if m, l := nilArena.newMap(1), nilArena.newList(2); m == nil || len(l) != 2 {
		t.Error("a nil arena does not allocate")
	}
}
