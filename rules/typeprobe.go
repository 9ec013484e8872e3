package rules

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// errNoOverload is how CEL says an operator or function got operands of
// types it does not take ("no such overload").
const errNoOverload = "no such overload"

// probes are the inputs a rule is tried on when saved (typeProblem): an
// enrollment, customer and instance whose every field holds a value, and
// each parameter the instance declares a value of its type; then, when it
// declares any, the same enrollment without parameter values.
type probes struct {
	full, bare *enroll.EvaluationInput
	params     []enroll.Parameter
}

// newProbes returns the probes of an instance that declares params.
func newProbes(params []enroll.Parameter) probes {
	pr := probes{params: params}
	full := probeInput(params)
	pr.full = &full
	if len(params) > 0 {
		bare := full
		e := *full.Enrollment
		e.Parameters = []enroll.ParameterValue{}
		bare.Enrollment = &e
		pr.bare = &bare
	}
	return pr
}

// typeProblem runs rule i of rs on the probes and returns an error when
// CEL finds operands whose types do not go together there
// (enrollment.firstName + 1). The variables are dynamic maps, so CEL's
// checker cannot see those types when the rule is compiled; but a field
// holds the same type in every enrollment, and a declared parameter's
// value the type it is declared with (a number's a double, numberParam),
// so a rule that fails so on a probe fails so on every enrollment like
// it. The probes have no metadata, and the bare one no parameter values,
// so a rule that fails only through a default for a missing one
// (metadata.?kw.orValue(0) * 2.0) is refused too: it fails for every
// enrollment without that key. Parameters the instance does not declare
// are not in the probes: their type is unknown. Errors of other
// kinds (a missing key, a failed conversion of the probe's placeholder
// text) say nothing of types and pass.
func (e *Engine) typeProblem(ctx context.Context, rs *ruleset, i int, pr probes) error {
	if err := e.probe(ctx, rs, i, *pr.full); err != nil {
		return errors.New("it combines values of types that do not go together (" + err.Error() + ") on an enrollment with every field set, " +
			"a value of its type for each parameter the instance declares and no metadata, so it fails for such enrollments; " +
			e.numberHint(rs.rules[i].Expression, pr.params) +
			"convert one side, e.g. int(x), double(x), string(x) or timestamp(x), or give a default of the other's type (0.0 for a double)")
	}
	if pr.bare == nil {
		return nil
	}
	if err := e.probe(ctx, rs, i, *pr.bare); err != nil {
		return errors.New("it combines values of types that do not go together (" + err.Error() + ") on an enrollment with every field set " +
			"but no parameter values and no metadata, so it fails for every enrollment without the ones it reads; " +
			"give a default of the other's type (0.0 for a double, as number parameters are), or convert one side, e.g. int(x), double(x), string(x) or timestamp(x)")
	}
	return nil
}

// probe runs rule i of rs on in and returns its error if it is of types.
func (e *Engine) probe(ctx context.Context, rs *ruleset, i int, in enroll.EvaluationInput) error {
	act := newActivation(in, rs.use, e.template, e.reference)
	defer act.release()
	_, _, err := rs.programs[i].eval(ctx, act)
	if err != nil && strings.Contains(err.Error(), errNoOverload) {
		return err
	}
	return nil
}

// numberHint returns advice for rule expr, which failed on the full probe,
// when it reads number parameters: their values are doubles, and a rule
// written for whole numbers (kw * 2) fails on them.
func (e *Engine) numberHint(expr string, params []enroll.Parameter) string {
	ast, iss := e.env.Parse(expr)
	if iss.Err() != nil {
		return ""
	}
	u := analyzeUsage(ast.NativeRep().Expr())
	var named []string
	for _, k := range u.enrollmentParams.keys {
		if slices.ContainsFunc(params, func(p enroll.Parameter) bool { return p.ExternalID == k && p.Type == enroll.ParamNumber }) {
			named = append(named, "enrollment.params."+k)
		}
	}
	switch {
	case len(named) == 1:
		return named[0] + " is a number parameter, which rules see as a double (7.0 even when sent as 7): combine it with doubles (2.0, not 2), or "
	case len(named) > 1:
		return strings.Join(named, " and ") + " are number parameters, which rules see as doubles (7.0 even when sent as 7): combine them with doubles (2.0, not 2), or "
	case u.enrollment&(eParameters|eParams) != 0 && slices.ContainsFunc(params, func(p enroll.Parameter) bool { return p.Type == enroll.ParamNumber }):
		return "the values of number parameters are doubles in rules (7.0 even when sent as 7): combine them with doubles (2.0, not 2), or "
	}
	return ""
}

// probeInput is an evaluation input with every field of the enrollment,
// its customer and instance set (fillProbe), and a value of its type for
// each of the instance's parameters params (probeValue).
func probeInput(params []enroll.Parameter) enroll.EvaluationInput {
	var e enroll.Enrollment
	var c enroll.Customer
	var inst enroll.ProgramInstance
	for _, v := range []any{&e, &c, &inst} {
		fillProbe(reflect.ValueOf(v).Elem(), 0)
	}
	if len(params) > 0 {
		inst.Parameters = slices.Clone(params)
		for _, p := range params {
			e.Parameters = append(e.Parameters, enroll.ParameterValue{ExternalID: p.ExternalID, Value: probeValue(p)})
		}
	}
	return enroll.EvaluationInput{Enrollment: &e, Customer: &c, Instance: &inst,
		EnrolledInOtherProgram: func() (bool, error) { return false, nil }}
}

// probeValue is a value of parameter p's type, as enrollments hold it: a
// number (a double to rules), text, a boolean, a date as text, one of a
// choice's options, an object.
func probeValue(p enroll.Parameter) any {
	switch p.Type {
	case enroll.ParamNumber:
		return 1.0 // whole: a double to rules all the same
	case enroll.ParamBoolean:
		return true
	case enroll.ParamDate:
		return time.Now().UTC().Format(time.DateOnly)
	case enroll.ParamChoice:
		if len(p.Constraints.Options) > 0 {
			return p.Constraints.Options[0]
		}
	case enroll.ParamObject:
		return map[string]any{}
	}
	return "x"
}

// fillProbe sets every exported field of v: text "x", numbers 1, true, the
// current time, one item in each list; maps are empty, as their keys are
// the user's (metadata, parameters by id), and so are lists of items with
// a field of any type (a parameter's value), which the probe could only
// fill with a type of its own choosing. Empty, not nil: a real object
// always has its lists and maps, [] and {} when it has nothing
// (enrollment.parameters.size() == 0 is a rule, not a type error).
// probeInput adds the parameters the instance declares.
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

// runMessage returns the message of err, rule expr's error in an
// evaluation, with numberHint's advice when it is one of types: a rule
// saved before number parameters reached rules as doubles (or before its
// save ran the probe) may do whole-number arithmetic on them, and fails on
// every enrollment now, so its trace says why and what to change.
func (e *Engine) runMessage(expr string, params []enroll.Parameter, err error) string {
	msg := err.Error()
	if !strings.Contains(msg, errNoOverload) {
		return msg
	}
	if h := strings.TrimSuffix(e.numberHint(expr, params), ", or "); h != "" {
		msg += " (" + h + ")"
	}
	return msg
}
