package rules

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/enrollhq/enroll"
)

// interruptCheckFrequency is how many comprehension iterations run between
// checks of the evaluation context, trading a little speed for prompt
// cancellation.
const interruptCheckFrequency = 100

// ruleset is the compiled form of a rule list: one program per rule, in
// order. Reasons are not part of it; they come from the rules being
// evaluated.
type ruleset struct {
	// rules are the names and expressions compiled, to tell this ruleset
	// from another with the same cache key.
	rules    []enroll.Rule
	programs []program
	// use is which variables' fields the programs read, so evaluation
	// converts no more.
	use usage
	// eligible is the reason of an evaluation that all rules pass.
	eligible string
}

// program is one compiled rule, or the reason it could not be compiled.
type program struct {
	prg cel.Program
	err error
	// bound is whether prg was planned in the run environment, with the
	// bound helpers and the cost options of the engine's tracker template.
	bound bool
	// native is the Go form of the rule, when it has one (native.go).
	native *nativeRule
	// loops is whether the program has a comprehension, the only part of
	// an evaluation that checks the context.
	loops bool
	// estimate is the static estimate of its cost, at most the limit.
	estimate uint64
	// shaped is whether the rule has a native form's shape, native or
	// not: an evaluation counts its estimate, not what it spent, towards
	// the ruleset's budget, as a native rule spends nothing it can count.
	shaped bool
}

// ruleset returns the compiled form of rules from the cache, compiling and
// caching it on a miss. The ruleset evaluated last is checked first:
// evaluating one instance's rules over many enrollments then neither
// hashes the rules nor takes the cache's lock.
func (e *Engine) ruleset(rules []enroll.Rule) *ruleset {
	if rs := e.last.Load(); rs != nil && rs.matches(rules) {
		return rs
	}
	rs := e.cachedRuleset(rules)
	e.last.Store(rs)
	return rs
}

func (e *Engine) cachedRuleset(rules []enroll.Rule) *ruleset {
	return e.cache.get(rulesKey(rules), rules, func() *ruleset {
		e.compiles.Add(1)
		rs := &ruleset{rules: make([]enroll.Rule, len(rules)), programs: make([]program, len(rules))}
		names := make([]string, len(rules))
		for i, r := range rules {
			rs.rules[i] = enroll.Rule{Name: r.Name, Expression: r.Expression}
			names[i] = r.Name
			p := &rs.programs[i]
			var use usage
			p.prg, use, p.loops, p.bound, p.native, p.estimate, p.shaped, p.err = e.compile(r.Expression)
			rs.use = rs.use.union(use)
		}
		rs.use = rs.use.resolvable()
		rs.eligible = enroll.ListedReason("Meets all eligibility rules: ", names, "")
		return rs
	})
}

// matches reports whether rs is the compiled form of rules. The strings
// are usually those rs was compiled from, or equal ones from the same
// stored instance: comparing them is cheap.
func (rs *ruleset) matches(rules []enroll.Rule) bool {
	if len(rs.rules) != len(rules) {
		return false
	}
	for i, r := range rules {
		if rs.rules[i].Name != r.Name || rs.rules[i].Expression != r.Expression {
			return false
		}
	}
	return true
}

// keySeed makes the cache keys of this process.
var keySeed = maphash.MakeSeed()

// rulesKey hashes the rules' names and expressions, length-prefixed so that
// no two different lists collide by concatenation. The cache checks the
// rules themselves on a hit, so a collision costs a compile, never a wrong
// program.
func rulesKey(rules []enroll.Rule) key {
	var h maphash.Hash
	h.SetSeed(keySeed)
	var n [8]byte
	for _, r := range rules {
		for _, s := range [2]string{r.Name, r.Expression} {
			binary.BigEndian.PutUint64(n[:], uint64(len(s)))
			h.Write(n[:])
			h.WriteString(s)
		}
	}
	return h.Sum64()
}

// compile parses, type-checks and cost-checks one expression and plans its
// program with the runtime limits. It also reports which variables'
// fields the program reads, whether it loops, whether it was planned with
// the bound helpers, its native form if any, its estimated cost and
// whether it has a native form's shape.
func (e *Engine) compile(expr string) (prg cel.Program, use usage, loops, bound bool, native *nativeRule, estimate uint64, shaped bool, err error) {
	fail := func(err error) (cel.Program, usage, bool, bool, *nativeRule, uint64, bool, error) {
		return nil, usage{}, false, false, nil, 0, false, err
	}
	ast, iss := e.env.Parse(expr)
	if iss.Err() != nil {
		return fail(issuesError(iss))
	}
	if err := nestingError(ast.NativeRep().Expr()); err != nil {
		return fail(err)
	}
	if ast, iss = e.env.Check(ast); iss.Err() != nil {
		return fail(issuesError(iss))
	}
	if t := ast.OutputType(); t.IsExactType(cel.DynType) {
		// A field of the dynamic variables: it may hold anything at runtime.
		return fail(errors.New("the expression must evaluate to bool, not dyn; compare the field explicitly, e.g. x == true"))
	} else if !t.IsExactType(cel.BoolType) {
		return fail(fmt.Errorf("the expression must evaluate to bool, not %s", t))
	}
	est, err := e.env.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return fail(fmt.Errorf("cannot estimate the cost: %w", err))
	}
	if est.Max > e.costLimit {
		return fail(fmt.Errorf("the estimated cost (%s) exceeds the limit of %d; iterate fewer or smaller lists", costString(est.Max), e.costLimit))
	}
	opts := e.programOptions()
	if !e.reference {
		// The same rule with bound helpers; should that fail, which it
		// should not, the late-bound program below is as good, if slower.
		if runAST, iss := e.runEnv.Compile(expr); iss.Err() == nil {
			prg, err = e.runEnv.Program(runAST, e.runOptions()...)
			bound = prg != nil
		}
	}
	if prg == nil {
		prg, err = e.env.Program(ast, opts...)
	}
	if err != nil {
		return fail(err)
	}
	root := ast.NativeRep().Expr()
	shape := nativeShape(root)
	if !e.reference {
		native = shape
	}
	return prg, analyzeUsage(root), hasComprehension(root), bound, native, est.Max, shape != nil, nil
}

// programOptions are the options of every program: the runtime limits,
// with the calls that walk values priced by what they walk (deepCosts),
// and those that compile a pattern by what it compiles to (dynamicRegex).
func (e *Engine) programOptions() []cel.ProgramOption {
	return []cel.ProgramOption{
		cel.CostLimit(e.costLimit),
		cel.CostTrackerOptions(deepCosts(e.costLimit)...),
		cel.CustomDecoratorV2(dynamicRegex(e.costLimit)),
		cel.CostTrackerOptions(dynamicRegexCosts()...),
		cel.InterruptCheckFrequency(interruptCheckFrequency),
		cel.EvalOptions(cel.OptOptimize),
	}
}

// runOptions are the options of the programs planned in the run
// environment: programOptions and the costs of the bound helpers.
func (e *Engine) runOptions() []cel.ProgramOption {
	return append(e.programOptions(), cel.CostTrackerOptions(boundCosts()...))
}

// newTrackerTemplate returns, with no cost, the tracker CEL gives each
// evaluation of a program planned with runOptions: it makes one, for a
// program that needs no input, and copies it.
func (e *Engine) newTrackerTemplate() (*cost.Tracker, error) {
	ast, iss := e.runEnv.Compile("true")
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	prg, err := e.runEnv.Program(ast, e.runOptions()...)
	if err != nil {
		return nil, err
	}
	frame, err := interpreter.NewExecutionFrame(interpreter.EmptyActivation())
	if err != nil {
		return nil, err
	}
	defer frame.Close()
	if _, _, err := prg.Eval(frame); err != nil {
		return nil, err
	}
	t := frame.CostTracker()
	if t == nil {
		return nil, errors.New("the program tracks no cost")
	}
	return t.Clone()
}

// evalFrame is prg.Eval(act) with the cost tracker CEL would clone for the
// evaluation (the engine's template) copied into act instead, which saves
// an allocation per rule; the tracking and the limit are the same.
func (p *program) evalFrame(act *activation) (ref.Val, error) {
	frame, err := interpreter.NewExecutionFrame(act)
	if err != nil {
		return nil, err
	}
	defer frame.Close()
	act.tracker = *act.template
	frame.SetCostTracker(&act.tracker)
	out, _, err := p.prg.Eval(frame)
	return out, err
}

// issuesError formats CEL's issues one per "line:column: message" part,
// without CEL's multi-line source snippet, which reads badly in JSON.
func issuesError(iss *cel.Issues) error {
	var parts []string
	for _, e := range iss.Errors() {
		parts = append(parts, fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
	}
	if len(parts) == 0 {
		return iss.Err()
	}
	return errors.New(strings.Join(parts, "; "))
}

func costString(c uint64) string {
	if c == math.MaxUint64 {
		return "unbounded"
	}
	return fmt.Sprint(c)
}

// eval runs the program and reports its boolean result and what it cost
// towards the ruleset's budget: its actual cost, or its estimate for a
// rule of a native form's shape (see program.shaped). CEL errors (a
// missing field, the cost limit, a failing helper) come back as err.
//
// Only comprehensions check the context during an evaluation, so a
// program without one, or a context that cannot end, runs without it
// (ContextEval's setup costs as much as a small rule); Evaluate checks
// the context between rules. Cost tracking is part of every program.
func (p *program) eval(ctx context.Context, act *activation) (bool, uint64, error) {
	if p.err != nil {
		return false, 0, p.err
	}
	spent := p.estimate
	if p.native != nil && !act.reference {
		ok, err := p.native.eval(act)
		return ok, spent, err
	}
	var out ref.Val
	var det *cel.EvalDetails
	var err error
	switch {
	case p.loops && ctx.Done() != nil || act.reference:
		out, det, err = p.prg.ContextEval(ctx, act)
	case p.bound && act.template != nil:
		out, err = p.evalFrame(act)
		if !p.shaped {
			spent = act.tracker.ActualCost()
		}
	default:
		out, det, err = p.prg.Eval(act)
	}
	if det != nil && det.ActualCost() != nil && !p.shaped {
		spent = *det.ActualCost()
	}
	if err != nil {
		return false, spent, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, spent, fmt.Errorf("the expression returned %s, not bool", out.Type())
	}
	return bool(b), spent, nil
}
