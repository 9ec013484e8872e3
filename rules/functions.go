package rules

import (
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/decls"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/enrollhq/enroll"
)

// The functions rules may call besides CEL's own. They are declared
// late-bound: the implementations read each evaluation's input from its
// activation, so a helper can read the enrollment without the rule passing
// it, and the costly lookup behind enrolledInOtherProgram runs only when a
// rule calls it. Programs call their bound forms instead (newRunEnv), and
// the most common rules do without CEL (native.go); the three give the
// same results.
const (
	fnEnrolledInOtherProgram = "enrolledInOtherProgram"
	fnInPostalCodes          = "inPostalCodes"
	fnInStates               = "inStates"
	fnHasManufacturer        = "hasManufacturer"
)

func functionDecls() []cel.EnvOption {
	strList := []*cel.Type{cel.ListType(cel.StringType)}
	return []cel.EnvOption{
		cel.Function(fnEnrolledInOtherProgram,
			cel.FunctionDocs("Whether the customer holds an approved or paused enrollment in an instance of another program."),
			cel.Overload("enrolled_in_other_program", nil, cel.BoolType, cel.LateFunctionBinding())),
		cel.Function(fnInPostalCodes,
			cel.FunctionDocs(`Whether enrollment.address.postalCode is in the list; an entry ending in "*" is a prefix.`),
			cel.Overload("in_postal_codes_list", strList, cel.BoolType, cel.LateFunctionBinding())),
		cel.Function(fnInStates,
			cel.FunctionDocs("Whether enrollment.address.state is in the list, ignoring case."),
			cel.Overload("in_states_list", strList, cel.BoolType, cel.LateFunctionBinding())),
		cel.Function(fnHasManufacturer,
			cel.FunctionDocs("Whether any of enrollment.manufacturerSlugs or devices[].manufacturerSlug is in the list."),
			cel.Overload("has_manufacturer_list", strList, cel.BoolType, cel.LateFunctionBinding())),
	}
}

// boundFunctionDecls declares the helpers' bound forms (see newRunEnv):
// @f(args, @input) for helper f(args), each bound once, here. The type
// guards CEL would add are off: the implementations check their arguments
// as the late-bound dispatch does, to give the same errors.
func boundFunctionDecls() []cel.EnvOption {
	strList := cel.ListType(cel.StringType)
	listHelper := func(fn, overload string, impl func(a *activation, list ref.Val) ref.Val) cel.EnvOption {
		return cel.Function(bound(fn), decls.DisableTypeGuards(true),
			cel.Overload(bound(overload), []*cel.Type{strList, inputType}, cel.BoolType,
				cel.BinaryBinding(func(list, in ref.Val) ref.Val {
					if !isStringList(list) {
						return types.NewErr("no such overload: %s", fn)
					}
					return impl(in.(*activation), list)
				})))
	}
	return []cel.EnvOption{
		cel.Function(bound(fnEnrolledInOtherProgram), decls.DisableTypeGuards(true),
			cel.Overload(bound("enrolled_in_other_program"), []*cel.Type{inputType}, cel.BoolType,
				cel.UnaryBinding(func(in ref.Val) ref.Val { return in.(*activation).enrolledInOtherProgram("") }))),
		listHelper(fnInPostalCodes, "in_postal_codes_list", (*activation).inPostalCodesList),
		listHelper(fnInStates, "in_states_list", (*activation).inStatesList),
		listHelper(fnHasManufacturer, "has_manufacturer_list", (*activation).hasManufacturerList),
	}
}

// boundCosts makes a bound helper call cost what the late-bound call did:
// 1, which reading @input already costs, so the call itself is free. As
// @input comes last, an argument that fails stops the call before @input
// is read, and costs no more than it did.
func boundCosts() []cost.TrackerOption {
	var opts []cost.TrackerOption
	for _, id := range []string{"enrolled_in_other_program", "in_postal_codes_list", "in_states_list", "has_manufacturer_list"} {
		opts = append(opts, cost.OverloadTracker(bound(id), func([]ref.Val, ref.Val) *uint64 { return &zeroCost }))
	}
	return opts
}

var zeroCost uint64

// isStringList is the check the late-bound dispatch makes of a
// list(string) argument: a list, empty or with a string first.
func isStringList(v ref.Val) bool {
	if v.Type().TypeName() != types.ListType.TypeName() {
		return false
	}
	l, ok := v.(traits.Lister)
	if !ok {
		return false
	}
	if l.Size() == types.IntZero {
		return true
	}
	return l.Get(types.IntZero).Type().TypeName() == types.StringType.TypeName()
}

// The implementations read the evaluation's input from the activation.
// The late-bound forms (args ...ref.Val) serve the programs planned in env
// (the reference path of the tests, or should a rule fail to compile in
// the run environment), where CEL checks the arguments before the call.

// enrolledInOtherProgram calls the lookup once per evaluation, however
// many rules ask. Like sync.OnceValue, a lookup that panicked panics again
// with the same value in each later call (CEL turns the panic into the
// rule's error).
func (a *activation) enrolledInOtherProgram(string, ...ref.Val) ref.Val {
	if a.other == nil {
		if a.otherPanic != nil {
			panic(a.otherPanic)
		}
		defer func() {
			if a.other == nil {
				r := recover()
				a.otherPanic = r
				panic(r)
			}
		}()
		a.other = a.lookupOther()
	}
	return a.other
}

func (a *activation) lookupOther() ref.Val {
	if a.in.EnrolledInOtherProgram == nil {
		return types.False
	}
	ok, err := a.in.EnrolledInOtherProgram()
	if err != nil {
		// The message lands in the stored trace: keep it caller-safe.
		return types.NewErr("%s: %s", fnEnrolledInOtherProgram, enroll.ErrorMessage(err))
	}
	return types.Bool(ok)
}

func (a *activation) inPostalCodes(_ string, args ...ref.Val) ref.Val {
	if len(args) != 1 {
		return types.NewErr("%s: want one list argument", fnInPostalCodes)
	}
	return a.inPostalCodesList(args[0])
}

func (a *activation) inStates(_ string, args ...ref.Val) ref.Val {
	if len(args) != 1 {
		return types.NewErr("%s: want one list argument", fnInStates)
	}
	return a.inStatesList(args[0])
}

func (a *activation) hasManufacturer(_ string, args ...ref.Val) ref.Val {
	if len(args) != 1 {
		return types.NewErr("%s: want one list argument", fnHasManufacturer)
	}
	return a.hasManufacturerList(args[0])
}

func (a *activation) inPostalCodesList(list ref.Val) ref.Val {
	return anyInList(fnInPostalCodes, list, func(want string) bool { return matchPostalCode(a.postalCode, want) })
}

func (a *activation) inStatesList(list ref.Val) ref.Val {
	return anyInList(fnInStates, list, func(want string) bool {
		return a.state != "" && strings.EqualFold(a.state, strings.TrimSpace(want))
	})
}

func (a *activation) hasManufacturerList(list ref.Val) ref.Val {
	return anyInList(fnHasManufacturer, list, func(want string) bool { return hasManufacturer(a.in.Enrollment, want) })
}

// anyInList reports whether match holds for any string of list. The
// checker lets a dyn value through where a list of strings is declared,
// and CEL's dispatch checks only the first element, so the element types
// are checked here.
func anyInList(fn string, list ref.Val, match func(string) bool) ref.Val {
	l, ok := list.(traits.Lister)
	if !ok {
		return types.NewErr("%s: want a list of strings, got %s", fn, list.Type())
	}
	found := false
	n, _ := l.Size().(types.Int)
	for i := types.Int(0); i < n; i++ {
		v := l.Get(i)
		s, ok := v.(types.String)
		if !ok {
			return types.NewErr("%s: want a list of strings, got an element of type %s", fn, v.Type())
		}
		if !found && match(string(s)) {
			found = true
		}
	}
	return types.Bool(found)
}

// matchPostalCode compares ignoring case (Canadian and British codes have
// letters); a pattern ending in "*" matches by prefix.
func matchPostalCode(code, pattern string) bool {
	pattern = strings.TrimSpace(pattern)
	if code == "" || pattern == "" {
		return false
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return len(code) >= len(prefix) && strings.EqualFold(code[:len(prefix)], prefix)
	}
	return strings.EqualFold(code, pattern)
}

func hasManufacturer(e *enroll.Enrollment, slug string) bool {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return false
	}
	for _, s := range e.ManufacturerSlugs {
		if strings.EqualFold(s, slug) {
			return true
		}
	}
	for _, d := range e.Devices {
		if strings.EqualFold(d.ManufacturerSlug, slug) {
			return true
		}
	}
	return false
}
