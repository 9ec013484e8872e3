package rules

import (
	"fmt"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
)

// maxNesting bounds how deep a rule nests expressions in one another.
// cel-go's type check of deep nesting grows much faster than its length:
// 48 nested lists took 0.39 s and 240 (487 characters) 6.3 s, 150 nested
// type() calls 7 s, 240 nested optional.of() 69 s; and a rule set is
// compiled again after a restart, inside a write transaction. Chains are
// not nesting (nesting flattens them): a points rule adding 100 criteria,
// an else-if chain of 100 conditionals and a long || of comparisons stay
// far below it.
const maxNesting = 32

// nestingError refuses an expression nested deeper than maxNesting,
// before it is type-checked.
func nestingError(e celast.Expr) error {
	if d := nesting(e); d > maxNesting {
		return fmt.Errorf("the expression nests %d deep; at most %d (deeper, checking it takes seconds): use fewer nested calls, lists or conditionals", d, maxNesting)
	}
	return nil
}

// nesting returns how deep e nests: a call, list, map or comprehension is
// one level over its deepest part, except along a chain, where an operand
// that is the same binary operator (1 + 2 + 3, a || b || c) or a
// conditional's else that is another conditional (a ? 1 : b ? 2 : 3) is
// on its parent's level. Field selections are on their operand's level.
func nesting(e celast.Expr) int {
	if e == nil {
		return 0
	}
	switch e.Kind() {
	case celast.ListKind:
		return 1 + deepest(e.AsList().Elements())
	case celast.MapKind:
		var es []celast.Expr
		for _, en := range e.AsMap().Entries() {
			es = append(es, en.AsMapEntry().Key(), en.AsMapEntry().Value())
		}
		return 1 + deepest(es)
	case celast.StructKind:
		var es []celast.Expr
		for _, f := range e.AsStruct().Fields() {
			es = append(es, f.AsStructField().Value())
		}
		return 1 + deepest(es)
	case celast.SelectKind:
		return nesting(e.AsSelect().Operand())
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		return 1 + deepest([]celast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()})
	case celast.CallKind:
		c := e.AsCall()
		fn, args := c.FunctionName(), c.Args()
		chained := func(i int) bool {
			if args[i].Kind() != celast.CallKind || args[i].AsCall().FunctionName() != fn {
				return false
			}
			if fn == operators.Conditional {
				return i == 2 // the else of an else-if
			}
			_, binary := operators.FindReverseBinaryOperator(fn)
			return binary && len(args) == 2
		}
		d, level := 0, 0
		for i, a := range args {
			if chained(i) {
				level = max(level, nesting(a))
			} else {
				d = max(d, nesting(a))
			}
		}
		if c.IsMemberFunction() {
			d = max(d, nesting(c.Target()))
		}
		return max(level, 1+d)
	}
	return 0
}

// deepest returns the deepest nesting of es.
func deepest(es []celast.Expr) int {
	d := 0
	for _, e := range es {
		d = max(d, nesting(e))
	}
	return d
}
