package rules

import (
	"slices"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/ext"

	"github.com/enrollhq/enroll"
)

// The variables rules see. They are maps built from the JSON form of the
// domain objects, so rules use the API's field names.
const (
	varEnrollment = "enrollment"
	varCustomer   = "customer"
	varInstance   = "instance"
)

// maxRangeSize bounds lists.range(n); rules have no use for long ranges and
// the allocation happens before the cost limit can stop it.
const maxRangeSize = 1000

// newEnv declares the variables, the helper functions and the extension
// libraries that rules may use.
func newEnv() (*cel.Env, error) {
	obj := cel.MapType(cel.StringType, cel.DynType)
	opts := []cel.EnvOption{
		cel.Variable(varEnrollment, obj),
		cel.Variable(varCustomer, obj),
		cel.Variable(varInstance, obj),
		// JSON numbers become int or double; let rules compare them freely.
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserExpressionSizeLimit(enroll.MaxTextLength),
		cel.OptionalTypes(),
		ext.Strings(ext.StringsValidateFormatCalls(true)),
		ext.Lists(ext.ListsMaxRangeSize(maxRangeSize)),
		ext.Sets(),
		ext.Math(),
	}
	opts = append(opts, functionDecls()...)
	return cel.NewEnv(opts...)
}

// fillCatalog checks, once, an expression naming an undeclared identifier
// in env. cel-go (v0.33.2) fills its checker's symbol catalog lazily, on
// that error path, while checks of other rules running at the same time
// read it unguarded when they enter a comprehension's scope: a data race
// (TestCheckRejects under -race, now and then). Filled before the engine
// is shared, the catalog is only read afterwards.
func fillCatalog(env *cel.Env) {
	_, _ = env.Compile("enroll_undeclared_identifier")
}

// varInput is the hidden variable of the run environment: the evaluation's
// activation, which the bound helpers read their input from. Rules cannot
// name it: identifiers do not start with "@".
const varInput = "@input"

var inputType = cel.OpaqueType("enroll.rules.input")

// newRunEnv extends env into the environment programs are planned in. A
// rule is checked, costed and reported on in env, then compiled again here,
// where macros rewrite each helper call f(args) into @f(args, @input): an
// ordinary function bound once, when the environment is built, instead of
// a late-bound one, whose every call CEL resolves from the activation,
// allocating. The results, errors and runtime costs are the same; see
// functions.go, TestFastPathsMatchReference and
// TestFastPathCostsMatchReference.
func newRunEnv(env *cel.Env) (*cel.Env, error) {
	return env.Extend(append(boundFunctionDecls(),
		cel.Variable(varInput, inputType),
		cel.Macros(
			cel.GlobalMacro(fnEnrolledInOtherProgram, 0, callBound(fnEnrolledInOtherProgram)),
			cel.GlobalMacro(fnInPostalCodes, 1, callBound(fnInPostalCodes)),
			cel.GlobalMacro(fnInStates, 1, callBound(fnInStates)),
			cel.GlobalMacro(fnHasManufacturer, 1, callBound(fnHasManufacturer)),
		),
	)...)
}

// bound is the name of a helper's bound form.
func bound(fn string) string { return "@" + fn }

// callBound rewrites a call of helper fn to its bound form.
func callBound(fn string) cel.MacroFactory {
	return func(eh cel.MacroExprFactory, _ celast.Expr, args []celast.Expr) (celast.Expr, *cel.Error) {
		return eh.NewCall(bound(fn), append(slices.Clip(args), eh.NewIdent(varInput))...), nil
	}
}
