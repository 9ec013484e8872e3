// Package rules evaluates program instances' eligibility rules: CEL
// expressions over an enrollment, its customer and its instance.
//
// Rules see the variables as the maps of their JSON forms (but for the
// values of number parameters, always doubles: numberParam), and the engine
// behaves as if it built them so (input.go), but an evaluation does much
// less: it converts only the fields, and the metadata and params entries,
// that the ruleset reads, by hand, into reused maps and partials
// (fields.go, convert.go, partial.go); it binds the helpers once, not per
// evaluation (env.go, functions.go, activation.go); it computes rules made
// only of helpers over literals in Go (native.go); and it runs programs
// that cannot loop without the context, which only loops check. The tests
// compare every path with the plain one (differential_test.go).
package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"

	"github.com/enrollhq/enroll"
)

const (
	// DefaultCostLimit bounds the estimated and the runtime cost of each
	// rule, in CEL cost units (about one per operation). It admits rules
	// that iterate the enrollment's lists (at most 100 items) a couple of
	// levels deep; a rule that runs up to it takes about a tenth of a
	// second (ordinary rules cost a few dozen units and take microseconds).
	DefaultCostLimit = 1_000_000
	// RulesetCostFactor is how many rules at the cost limit an instance's
	// rules may cost together, estimated when saved and spent when
	// evaluated: an evaluation runs in the store's write transaction (on
	// SQLite every workspace's writes wait for it), so the limit of one
	// rule must not become a hundred times as long with a hundred rules
	// (100 rules at the limit held SQLite's writer for 11 s).
	RulesetCostFactor = 3
	// DefaultCacheSize is how many compiled rulesets an engine keeps. Each
	// program instance has one ruleset per rules version, so a few hundred
	// cover the active instances of a busy deployment.
	DefaultCacheSize = 256
)

// Engine compiles and evaluates eligibility rules. It is safe for
// concurrent use; compiled rulesets are cached so requests do not compile.
type Engine struct {
	env       *cel.Env // where rules are checked
	runEnv    *cel.Env // where they are planned: env with bound helpers
	err       error    // set when the CEL environment could not be built
	costLimit uint64
	cache     *cache
	last      atomic.Pointer[ruleset] // the ruleset evaluated last
	template  *cost.Tracker           // see newTrackerTemplate
	compiles  atomic.Int64
	// reference makes the engine evaluate as it first did, the behaviour
	// the fast path must match (tests): variables converted through JSON,
	// helpers late-bound, every program run with the context.
	reference bool
}

var _ enroll.RuleEngine = (*Engine)(nil)

// Option configures an Engine.
type Option func(*Engine)

// WithCostLimit sets the per-rule cost limit, used both to reject rules
// when they are saved and to stop them at evaluation time.
func WithCostLimit(limit uint64) Option {
	return func(e *Engine) {
		if limit > 0 {
			e.costLimit = limit
		}
	}
}

// WithCacheSize sets how many compiled rulesets the engine keeps.
func WithCacheSize(n int) Option {
	return func(e *Engine) {
		if n > 0 {
			e.cache = newCache(n)
		}
	}
}

// New returns an engine with the default cost limit and cache size,
// changed by opts. Should the CEL environment fail to build (a programming
// error), Check and Evaluate report it rather than New panicking.
func New(opts ...Option) *Engine {
	e := &Engine{costLimit: DefaultCostLimit, cache: newCache(DefaultCacheSize)}
	for _, o := range opts {
		o(e)
	}
	e.env, e.err = newEnv()
	if e.err == nil {
		e.runEnv, e.err = newRunEnv(e.env)
	}
	if e.err == nil {
		fillCatalog(e.env)
		fillCatalog(e.runEnv)
		// Without it, programs run with the tracker CEL clones.
		e.template, _ = e.newTrackerTemplate()
	}
	if e.err != nil {
		e.err = fmt.Errorf("rules: building the CEL environment: %w", e.err)
	}
	return e
}

// Check compiles, type-checks and cost-checks rules, checks the fields
// they name (unknownField), and tries them on an enrollment of an
// instance that declares params (typeProblem). It returns nil, or an
// EINVALID *enroll.Error with one field error per bad rule.
func (e *Engine) Check(rules []enroll.Rule, params []enroll.Parameter) error {
	if e.err != nil {
		return e.err
	}
	rs := e.ruleset(rules)
	// The rule whose estimate takes the rules past the ruleset's limit, if
	// any. Then no rule is tried on the probes: the rules are refused
	// anyway, and trying a hundred costly ones would keep the request
	// that saves them for seconds.
	overAt, total := -1, uint64(0)
	for i, p := range rs.programs {
		if total = cost.SafeAdd(total, p.estimate); total > e.rulesetCostLimit() {
			overAt = i
			break
		}
	}
	var pr probes
	var v enroll.Invalid
	first, firstErr := -1, error(nil)
	for i, p := range rs.programs {
		err := p.err
		if herr := e.helperArgError(rules[i].Expression); herr != nil {
			// Checked on save only: a rule saved before fails each
			// evaluation with a message naming the helper already. CEL's
			// checker refuses some such calls itself ("found no matching
			// overload"), in words this completes.
			switch {
			case err == nil:
				err = herr
			case strings.Contains(err.Error(), "no matching overload"):
				_, what, _ := strings.Cut(herr.Error(), ": ")
				err = fmt.Errorf("%w: %s", err, what)
			}
		}
		if err == nil && i == overAt {
			err = fmt.Errorf("the rules up to this one have an estimated cost of %d together, past the limit of %d for an instance's rules (%d rules at the limit of one); iterate fewer or smaller lists, or merge rules that iterate the same list",
				total, e.rulesetCostLimit(), RulesetCostFactor)
		}
		if err == nil {
			// Checked on save only: rules saved before still run.
			if f := e.unknownField(rules[i].Expression); f != "" {
				err = fmt.Errorf("%s is not a field; rules use the API's field names (enrollment.address.state, enrollment.params.<externalId>, customer.email)", f)
			} else if overAt < 0 {
				if pr.full == nil {
					pr = newProbes(params)
				}
				err = e.typeProblem(context.Background(), rs, i, pr)
			}
		}
		if err == nil {
			continue
		}
		if first < 0 {
			first, firstErr = i, err
		}
		v.Add(fmt.Sprintf("body.eligibilityRules[%d].expression", i), rules[i].Name+": "+err.Error(), rules[i].Expression)
	}
	if first < 0 {
		return nil
	}
	msg := fmt.Sprintf("Eligibility rule %q is invalid: %s", rules[first].Name, firstErr)
	if len(v) > 1 {
		msg += fmt.Sprintf(" (and %d more invalid rules)", len(v)-1)
	}
	return &enroll.Error{Code: enroll.EINVALID, Message: msg, Fields: v}
}

// Evaluate runs in.Instance's rules in order and records every rule in the
// trace, even after the first failure, so the trace explains the result.
// A rule that cannot be evaluated has outcome error and counts as failed.
// Evaluate returns an error only when the engine is unusable, the input
// lacks an enrollment or instance, or ctx ends: a cancelled evaluation
// must not be recorded as a verdict.
func (e *Engine) Evaluate(ctx context.Context, in enroll.EvaluationInput) (*enroll.Evaluation, error) {
	if e.err != nil {
		return nil, e.err
	}
	if in.Enrollment == nil || in.Instance == nil {
		return nil, fmt.Errorf("rules: evaluation needs an enrollment and a program instance")
	}
	rules := in.Instance.EligibilityRules
	rs := e.ruleset(rules)
	act := newActivation(in, rs.use, e.template, e.reference)
	defer act.release()
	ev := &enroll.Evaluation{RulesVersion: in.Instance.RulesVersion, Trace: make([]enroll.RuleResult, 0, len(rules))}
	failed := -1
	var spent uint64
	for i, r := range rules {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rules: evaluation interrupted before rule %q: %w", r.Name, context.Cause(ctx))
		}
		res := enroll.RuleResult{Name: r.Name, Outcome: enroll.RulePassed}
		var ok bool
		var err error
		if spent > e.rulesetCostLimit() {
			// Rules saved before the ruleset's limit, or whose calls cost
			// more on this enrollment than estimated (deepcost.go).
			err = errRulesetCostLimit
		} else {
			var c uint64
			ok, c, err = rs.programs[i].eval(ctx, act)
			spent = cost.SafeAdd(spent, c)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("rules: evaluation of rule %q interrupted: %w", r.Name, context.Cause(ctx))
		}
		switch {
		case err == errRulesetCostLimit:
			res.Outcome, res.Message = enroll.RuleError, err.Error()
		case err != nil:
			res.Outcome, res.Message = enroll.RuleError, e.runMessage(r.Expression, in.Instance.Parameters, err)
		case !ok:
			res.Outcome, res.Message = enroll.RuleFailed, r.Reason
		}
		if res.Outcome != enroll.RulePassed && failed < 0 {
			failed = i
		}
		ev.Trace = append(ev.Trace, res)
	}
	ev.Status, ev.Reason = verdict(rules, failed, rs.eligible)
	ev.EvaluatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return ev, nil
}

// errRulesetCostLimit is the error of the rules an evaluation does not
// run, as those before them spent the ruleset's budget.
var errRulesetCostLimit = errors.New("not evaluated: the rules before it spent the cost limit of an instance's rules")

// rulesetCostLimit is what an instance's rules may cost together.
func (e *Engine) rulesetCostLimit() uint64 { return cost.SafeMultiply(e.costLimit, RulesetCostFactor) }

// verdict returns the status and reason of an evaluation whose first
// failing rule is rules[failed], or none when failed < 0; eligible is the
// reason when all of several rules pass.
func verdict(rules []enroll.Rule, failed int, eligible string) (enroll.Status, string) {
	switch {
	case failed >= 0 && rules[failed].Reason != "":
		return enroll.StatusIneligible, rules[failed].Reason
	case failed >= 0:
		return enroll.StatusIneligible, "Failed rule " + rules[failed].Name
	case len(rules) == 0:
		return enroll.StatusEligible, "No eligibility rules."
	}
	return enroll.StatusEligible, eligible
}
