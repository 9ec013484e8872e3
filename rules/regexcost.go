package rules

import (
	"fmt"
	"regexp"

	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/enrollhq/enroll"
)

// CEL compiles the pattern of matches() when the program is planned if it
// is a literal, and at every call otherwise (enrollment.firstName.matches(
// instance.metadata.pattern)), pricing the call by the lengths of the text
// and the pattern. A pattern's compile grows with what its repetitions
// expand to, not its length: ".{0,1000}" 450 times, 4,050 characters,
// compiles to 900,000 instructions in about a second, so such a call ran
// for a second at the price of 1,000 units, and a rule for many. Calls
// whose pattern is not a literal are therefore priced by the instructions
// their pattern compiles to as well (measured: about 2 µs each at most,
// BenchmarkDynamicRegexAtTheLimit), and one whose pattern alone costs
// more than a rule may is refused before it is compiled; so is a rule
// with such a literal pattern, which CEL would compile when planning it.

// perRegexInst is the cost of each instruction a pattern compiles to.
const perRegexInst = 20

// overloadDynamicMatches is the overload of the matches() calls whose
// pattern is not a literal: dynamicRegex plans them under it, so that the
// cost tracker prices them (dynamicRegexCosts), and not the calls whose
// pattern CEL compiled when it planned them.
const overloadDynamicMatches = "enroll_matches_dynamic"

// dynamicRegex plans the matches() calls whose pattern is not a literal
// as calls of overloadDynamicMatches that refuse a pattern costing more
// than limit before compiling it. It runs on each call before CEL's
// constant folding and regex compilation, but after those of its
// arguments: a pattern folded into a constant is left to CEL to compile.
func dynamicRegex(limit uint64) interpreter.InterpretableDecoratorV2 {
	return func(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
		call, ok := i.(interpreter.InterpretableCall)
		if !ok || call.Function() != overloads.Matches || len(call.Args()) != 2 {
			return i, nil
		}
		switch call.OverloadID() {
		case overloads.Matches, overloads.MatchesString:
		default:
			return i, nil
		}
		if c, literal := call.Args()[1].(interpreter.InterpretableConst); literal {
			// CEL compiles it next, when the rule is saved and after each
			// restart, in the store's write transaction.
			if pattern, ok := c.Value().(types.String); ok {
				if n, err := regexInsts(string(pattern)); err == nil && cost.SafeMultiply(n, perRegexInst) > limit {
					return nil, fmt.Errorf("the pattern of matches() compiles to about %d instructions, costing %d, past the limit of a rule (%d); write a shorter one, or fewer or smaller repetitions", n, cost.SafeMultiply(n, perRegexInst), limit)
				}
			}
			return i, nil
		}
		return interpreter.NewCall(call.ID(), call.Function(), overloadDynamicMatches, call.Args(), func(args ...ref.Val) ref.Val {
			s, ok := args[0].(types.String)
			pattern, pok := args[1].(types.String)
			if !ok || !pok {
				return types.NoSuchOverloadErr()
			}
			n, err := regexInsts(string(pattern))
			if err != nil {
				return types.WrapErr(err)
			}
			if price := cost.SafeMultiply(n, perRegexInst); price > limit {
				return types.NewErr("matches: compiling the pattern would cost %d, past the cost limit of a rule (%d)", price, limit)
			}
			re, err := regexp.Compile(string(pattern))
			if err != nil {
				return types.WrapErr(err)
			}
			return types.Bool(re.MatchString(string(s)))
		}), nil
	}
}

// dynamicRegexCosts prices the calls dynamicRegex plans: CEL's price of
// matches(), and that of the instructions of the pattern.
func dynamicRegexCosts() []cost.TrackerOption {
	std := cost.StandardOverloadTrackers()[overloads.Matches]
	return []cost.TrackerOption{cost.OverloadTracker(overloadDynamicMatches, func(args []ref.Val, result ref.Val) *uint64 {
		c := uint64(1)
		if std != nil {
			if p := std(args, result); p != nil {
				c = *p
			}
		}
		if len(args) == 2 {
			if pattern, ok := args[1].(types.String); ok {
				if n, err := regexInsts(string(pattern)); err == nil {
					c = cost.SafeAdd(c, cost.SafeMultiply(n, perRegexInst))
				}
			}
		}
		return &c
	})}
}

// regexInsts returns about how many instructions pattern compiles to,
// without compiling it (enroll.RegexInstructions).
func regexInsts(pattern string) (uint64, error) { return enroll.RegexInstructions(pattern) }
