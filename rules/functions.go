package rules

import (
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/enrollhq/enroll"
)

// The functions rules may call besides CEL's own. They are late-bound: the
// implementations close over each evaluation's input, so a helper can read
// the enrollment without the rule passing it, and the costly lookup behind
// enrolledInOtherProgram runs only when a rule calls it.
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
			cel.FunctionDocs("Whether the customer holds an approved or paused enrollment in another program instance."),
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

// bindings returns the implementations of the functions for one evaluation.
func bindings(in enroll.EvaluationInput) map[string]cel.LateBoundFunction {
	e := in.Enrollment
	var postalCode, state string
	if e.Address != nil {
		postalCode, state = strings.TrimSpace(e.Address.PostalCode), strings.TrimSpace(e.Address.State)
	}
	// One lookup per evaluation, however many rules ask.
	other := sync.OnceValue(func() ref.Val {
		if in.EnrolledInOtherProgram == nil {
			return types.False
		}
		ok, err := in.EnrolledInOtherProgram()
		if err != nil {
			// The message lands in the stored trace: keep it caller-safe.
			return types.NewErr("%s: %s", fnEnrolledInOtherProgram, enroll.ErrorMessage(err))
		}
		return types.Bool(ok)
	})
	return map[string]cel.LateBoundFunction{
		fnEnrolledInOtherProgram: func(string, ...ref.Val) ref.Val { return other() },
		fnInPostalCodes: func(_ string, args ...ref.Val) ref.Val {
			return anyInList(fnInPostalCodes, args, func(want string) bool { return matchPostalCode(postalCode, want) })
		},
		fnInStates: func(_ string, args ...ref.Val) ref.Val {
			return anyInList(fnInStates, args, func(want string) bool {
				return state != "" && strings.EqualFold(state, strings.TrimSpace(want))
			})
		},
		fnHasManufacturer: func(_ string, args ...ref.Val) ref.Val {
			return anyInList(fnHasManufacturer, args, func(want string) bool { return hasManufacturer(e, want) })
		},
	}
}

// anyInList reports whether match holds for any string of the list in
// args[0]. The checker lets a dyn value through where a list of strings is
// declared, so the element types are checked here.
func anyInList(fn string, args []ref.Val, match func(string) bool) ref.Val {
	if len(args) != 1 {
		return types.NewErr("%s: want one list argument", fn)
	}
	l, ok := args[0].(traits.Lister)
	if !ok {
		return types.NewErr("%s: want a list of strings, got %s", fn, args[0].Type())
	}
	found := false
	for it := l.Iterator(); it.HasNext() == types.True; {
		v := it.Next()
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
