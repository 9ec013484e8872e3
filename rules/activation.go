package rules

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/enrollhq/enroll"
)

// activation supplies one evaluation's variables and helper functions to
// every program of the ruleset. Each variable is converted on first use,
// once, and only in the fields the ruleset reads (usage); the helpers are
// bound once per pooled activation, not per evaluation, and read the
// input from it. An activation serves one evaluation at a time, on one
// goroutine: no locking.
type activation struct {
	in        enroll.EvaluationInput
	use       usage
	reference bool // evaluate as the reference engine does (tests)

	postalCode, state string // trimmed, for the helpers

	vars       [3]any // enrollment, customer, instance, once resolved
	resolved   [3]bool
	arena      arena   // the maps and lists of vars, reused
	other      ref.Val // enrolledInOtherProgram's answer, once asked
	otherPanic any     // what the lookup panicked with, if it did

	template *cost.Tracker // the engine's, see newTrackerTemplate
	tracker  cost.Tracker  // the running rule's cost tracker

	// The helpers as method values, made once with the activation.
	fnOther, fnPostalCodes, fnStates, fnManufacturer functions.LateBoundOp
}

var (
	_ interpreter.Activation         = (*activation)(nil)
	_ interpreter.FunctionActivation = (*activation)(nil)
	_ ref.Val                        = (*activation)(nil)
)

var activations = sync.Pool{New: func() any {
	a := &activation{}
	a.fnOther = a.enrolledInOtherProgram
	a.fnPostalCodes = a.inPostalCodes
	a.fnStates = a.inStates
	a.fnManufacturer = a.hasManufacturer
	return a
}}

// newActivation returns a pooled activation for in, whose rules read the
// fields in use. Release it with release once the evaluation is over.
func newActivation(in enroll.EvaluationInput, use usage, template *cost.Tracker, reference bool) *activation {
	a := activations.Get().(*activation)
	a.in, a.use, a.template, a.reference = in, use, template, reference
	if in.Enrollment.Address != nil {
		a.postalCode, a.state = strings.TrimSpace(in.Enrollment.Address.PostalCode), strings.TrimSpace(in.Enrollment.Address.State)
	}
	return a
}

// release clears a and returns it to the pool: nothing of the evaluation
// may outlive it there.
func (a *activation) release() {
	a.in, a.use, a.template, a.reference = enroll.EvaluationInput{}, usage{}, nil, false
	a.tracker = cost.Tracker{}
	a.postalCode, a.state = "", ""
	a.vars, a.resolved = [3]any{}, [3]bool{}
	a.arena.reset()
	a.other, a.otherPanic = nil, nil
	activations.Put(a)
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	var i int
	switch name {
	case varEnrollment:
		i = 0
	case varCustomer:
		i = 1
	case varInstance:
		i = 2
	case varInput:
		return a, true
	default:
		return nil, false
	}
	if !a.resolved[i] {
		a.vars[i], a.resolved[i] = a.convert(i), true
	}
	return a.vars[i], true
}

// convert returns variable i's value: the fast conversion of the fields
// the rules read, or the reference conversion when it declines.
func (a *activation) convert(i int) any {
	switch i {
	case 0:
		if !a.reference {
			if m, ok := enrollmentMap(&a.arena, a.in.Enrollment, a.in.Instance, a.use.enrollment, &a.use.enrollmentMetadata, &a.use.enrollmentParams); ok {
				return m
			}
		}
		return enrollmentJSON(a.in.Enrollment, a.in.Instance)
	case 1:
		if !a.reference {
			if m, ok := customerMap(&a.arena, a.in.Customer, a.use.customer, &a.use.customerMetadata); ok {
				return m
			}
		}
		return customerJSON(a.in.Customer)
	default:
		if !a.reference {
			if m, ok := instanceMap(&a.arena, a.in.Instance, a.use.instance, &a.use.instanceMetadata); ok {
				return m
			}
		}
		return instanceJSON(a.in.Instance)
	}
}

// The activation is also the value of @input, opaque to rules.

// ConvertToNative implements ref.Val.
func (a *activation) ConvertToNative(t reflect.Type) (any, error) {
	return nil, fmt.Errorf("type conversion error from %s to %v", inputType, t)
}

// ConvertToType implements ref.Val.
func (a *activation) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return inputType
	}
	return types.NewErr("type conversion error from %s to %s", inputType, t)
}

// Equal implements ref.Val.
func (a *activation) Equal(other ref.Val) ref.Val { return types.Bool(other == ref.Val(a)) }

// Type implements ref.Val.
func (a *activation) Type() ref.Type { return inputType }

// Value implements ref.Val.
func (a *activation) Value() any { return a }

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// ResolveFunction implements interpreter.FunctionActivation.
func (a *activation) ResolveFunction(name string) (functions.LateBoundOp, bool) {
	switch name {
	case fnEnrolledInOtherProgram:
		return a.fnOther, true
	case fnInPostalCodes:
		return a.fnPostalCodes, true
	case fnInStates:
		return a.fnStates, true
	case fnHasManufacturer:
		return a.fnManufacturer, true
	}
	return nil, false
}
