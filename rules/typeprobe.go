package rules

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// errNoOverload is how CEL says an operator or function got operands of
// types it does not take ("no such overload").
const errNoOverload = "no such overload"

// typeProblem runs rule i of rs on an enrollment, customer and instance
// whose every field holds a value, and returns an error when CEL finds
// operands whose types do not go together (enrollment.firstName + 1). The
// variables are dynamic maps, so CEL's checker cannot see those types
// when the rule is compiled; but a field holds the same type in every
// enrollment, so a rule that fails so on the probe fails so on every
// enrollment like it. The probe has no metadata and no parameters, so a
// rule that fails only through a default for a missing one
// (metadata.?kw.orValue(0) * 2.0) is refused too: it fails for every
// enrollment without that key. Errors of other kinds (a missing key, a
// failed conversion of the probe's placeholder text) say nothing of
// types and pass.
func (e *Engine) typeProblem(ctx context.Context, rs *ruleset, i int) error {
	in := probeInput()
	act := newActivation(in, rs.use, e.template, e.reference)
	defer act.release()
	_, err := rs.programs[i].eval(ctx, act)
	if err != nil && strings.Contains(err.Error(), errNoOverload) {
		return errors.New("it combines values of types that do not go together (" + err.Error() + ") on an enrollment with every field set " +
			"and no metadata or parameters, so it fails for such enrollments; convert one side, e.g. int(x), double(x), string(x) or timestamp(x), " +
			"or give a default of the other's type (0.0 for a double)")
	}
	return nil
}

// probeInput is an evaluation input with every field of the enrollment,
// its customer and instance set (fillProbe).
func probeInput() enroll.EvaluationInput {
	var e enroll.Enrollment
	var c enroll.Customer
	var inst enroll.ProgramInstance
	for _, v := range []any{&e, &c, &inst} {
		fillProbe(reflect.ValueOf(v).Elem(), 0)
	}
	return enroll.EvaluationInput{Enrollment: &e, Customer: &c, Instance: &inst,
		EnrolledInOtherProgram: func() (bool, error) { return false, nil }}
}

// fillProbe sets every exported field of v: text "x", numbers 1, true, the
// current time, one item in each list; maps are empty, as their keys are
// the user's (metadata, parameters by id), and so are lists of items with
// a field of any type (a parameter's value), which the probe could only
// fill with a type of its own choosing. Empty, not nil: a real object
// always has its lists and maps, [] and {} when it has nothing
// (enrollment.parameters.size() == 0 is a rule, not a type error).
func fillProbe(v reflect.Value, depth int) {
	if depth > 4 || !v.CanSet() {
		return
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Now().UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillProbe(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if holdsInterface(v.Type().Elem(), 0) {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillProbe(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillProbe(v.Field(i), depth+1)
			}
		}
	}
}

// holdsInterface reports whether a value of t holds a field of interface
// type.
func holdsInterface(t reflect.Type, depth int) bool {
	if depth > 4 {
		return false
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice:
		return holdsInterface(t.Elem(), depth+1)
	case reflect.Struct:
		for f := range t.Fields() {
			if f.IsExported() && f.Type.Kind() != reflect.Map && holdsInterface(f.Type, depth+1) {
				return true
			}
		}
	}
	return false
}
