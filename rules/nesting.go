package rules

import (
	"fmt"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
)

// maxNesting bounds how deep a rule nests list and map literals and
// conditionals in one another. cel-go's type check of such nesting grows
// faster than its length: 48 nested lists took 0.39 s, 240 (487
// characters) 6.3 s, and a rule set is compiled again after a restart,
// inside a write transaction. Flat chains (a points rule adding 100
// criteria) and ordinary nesting stay far below it.
const maxNesting = 24

// nestingError refuses an expression that nests lists, maps or
// conditionals deeper than maxNesting, before it is type-checked.
func nestingError(e celast.Expr) error {
	if d := nesting(e); d > maxNesting {
		return fmt.Errorf("the expression nests lists, maps or conditionals %d deep; at most %d (deeper, checking it takes seconds)", d, maxNesting)
	}
	return nil
}

// nesting returns how deep e nests list and map literals and conditionals.
func nesting(e celast.Expr) int {
	deepest := func(es ...celast.Expr) int {
		d := 0
		for _, c := range es {
			if c != nil {
				d = max(d, nesting(c))
			}
		}
		return d
	}
	switch e.Kind() {
	case celast.ListKind:
		return 1 + deepest(e.AsList().Elements()...)
	case celast.MapKind:
		var es []celast.Expr
		for _, en := range e.AsMap().Entries() {
			es = append(es, en.AsMapEntry().Key(), en.AsMapEntry().Value())
		}
		return 1 + deepest(es...)
	case celast.StructKind:
		var es []celast.Expr
		for _, f := range e.AsStruct().Fields() {
			es = append(es, f.AsStructField().Value())
		}
		return deepest(es...)
	case celast.CallKind:
		c := e.AsCall()
		d := deepest(append([]celast.Expr{c.Target()}, c.Args()...)...)
		if c.FunctionName() == operators.Conditional {
			d++
		}
		return d
	case celast.SelectKind:
		return deepest(e.AsSelect().Operand())
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		return deepest(c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result())
	}
	return 0
}
