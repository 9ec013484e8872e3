package rules

import (
	"fmt"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// A native rule is a rule of the most common shape: helpers applied to
// lists of string literals, and enrolledInOtherProgram(), combined with
// !, && and ||:
//
//	inStates(["NY", "NJ"]) && hasManufacturer(["tesla", "enphase"]) && !enrolledInOtherProgram()
//
// Evaluate computes such a rule in Go rather than through CEL, whose
// setup of an evaluation (frame, cost tracker, details) costs several
// times the helpers themselves. The result and the error are CEL's: the
// helpers are the same Go functions, and the operators follow CEL's
// (short-circuits in order, the first error kept, errors through !). The
// cost is within the limit: it depends on the input only by which terms
// short-circuit, and is at most the static estimate, which compile
// checked against the limit. The differential tests hold the paths
// together.
type nativeRule struct {
	op   string        // operators.LogicalNot, LogicalAnd, LogicalOr; "" for a helper call
	args []*nativeRule // the operands of op
	fn   string        // the helper
	list []string      // its argument, for the list helpers
}

// nativeShape returns the native form of the checked expression e, or nil
// when e has another shape.
func nativeShape(e celast.Expr) *nativeRule {
	if e.Kind() != celast.CallKind || e.AsCall().IsMemberFunction() {
		return nil
	}
	call := e.AsCall()
	args := call.Args()
	switch fn := call.FunctionName(); fn {
	case operators.LogicalNot, operators.LogicalAnd, operators.LogicalOr:
		n := &nativeRule{op: fn}
		for _, a := range args {
			sub := nativeShape(a)
			if sub == nil {
				return nil
			}
			n.args = append(n.args, sub)
		}
		return n
	case fnEnrolledInOtherProgram:
		if len(args) == 0 {
			return &nativeRule{fn: fn}
		}
	case fnInStates, fnInPostalCodes, fnHasManufacturer:
		if len(args) != 1 || args[0].Kind() != celast.ListKind || len(args[0].AsList().OptionalIndices()) > 0 {
			return nil
		}
		elems := args[0].AsList().Elements()
		list := make([]string, len(elems))
		for i, x := range elems {
			if x.Kind() != celast.LiteralKind {
				return nil
			}
			s, ok := x.AsLiteral().(types.String)
			if !ok {
				return nil
			}
			list[i] = string(s)
		}
		return &nativeRule{fn: fn, list: list}
	}
	return nil
}

// eval computes the rule as program.eval does through CEL, where a panic
// ends the evaluation with an error.
func (n *nativeRule) eval(a *activation) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, recovered(r)
		}
	}()
	switch v := n.value(a).(type) {
	case types.Bool:
		return bool(v), nil
	case *types.Err:
		return false, v
	default:
		return false, fmt.Errorf("the expression returned %s, not bool", v.Type())
	}
}

// value is the rule's CEL value: a Bool, or an error.
func (n *nativeRule) value(a *activation) ref.Val {
	switch n.op {
	case operators.LogicalNot:
		v := n.args[0].value(a)
		if b, ok := v.(types.Bool); ok {
			return !b
		}
		return v // an error, unchanged
	case operators.LogicalAnd, operators.LogicalOr:
		// As interpreter.evalAnd and evalOr do.
		stop := types.Bool(n.op == operators.LogicalOr) // true stops ||, false stops &&
		var err ref.Val
		for _, arg := range n.args {
			v := arg.value(a)
			if b, ok := v.(types.Bool); ok {
				if b == stop {
					return stop
				}
			} else if err == nil {
				err = v
			}
		}
		if err != nil {
			return err
		}
		return !stop
	}
	switch n.fn {
	case fnEnrolledInOtherProgram:
		return a.enrolledInOtherProgram("")
	case fnInStates:
		return types.Bool(anyString(n.list, func(want string) bool {
			return a.state != "" && strings.EqualFold(a.state, strings.TrimSpace(want))
		}))
	case fnInPostalCodes:
		return types.Bool(anyString(n.list, func(want string) bool { return matchPostalCode(a.postalCode, want) }))
	default: // fnHasManufacturer
		return types.Bool(anyString(n.list, func(want string) bool { return hasManufacturer(a.in.Enrollment, want) }))
	}
}

func anyString(list []string, match func(string) bool) bool {
	for _, s := range list {
		if match(s) {
			return true
		}
	}
	return false
}

// recovered is the error cel.Program.Eval makes of a panic.
func recovered(r any) error {
	switch t := r.(type) {
	case interpreter.EvalCancelledError:
		return t
	case cost.LimitExceededError:
		return interpreter.EvalCancelledError{Cause: interpreter.CostLimitExceeded, Message: t.Message}
	}
	return fmt.Errorf("internal error: %v", r)
}
