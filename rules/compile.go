package rules

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/enrollhq/enroll"
)

// interruptCheckFrequency is how many comprehension iterations run between
// checks of the evaluation context, trading a little speed for prompt
// cancellation.
const interruptCheckFrequency = 100

// ruleset is the compiled form of a rule list: one program per rule, in
// order. Names and reasons are not part of it; they come from the rules
// being evaluated.
type ruleset struct {
	programs []program
}

// program is one compiled rule, or the reason it could not be compiled.
type program struct {
	prg cel.Program
	err error
}

// ruleset returns the compiled form of rules from the cache, compiling and
// caching it on a miss.
func (e *Engine) ruleset(rules []enroll.Rule) *ruleset {
	return e.cache.get(rulesKey(rules), func() *ruleset {
		e.compiles.Add(1)
		rs := &ruleset{programs: make([]program, len(rules))}
		for i, r := range rules {
			rs.programs[i].prg, rs.programs[i].err = e.compile(r.Expression)
		}
		return rs
	})
}

// rulesKey hashes the rules' names and expressions, length-prefixed so that
// no two different lists collide by concatenation.
func rulesKey(rules []enroll.Rule) key {
	h := sha256.New()
	var n [8]byte
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, r := range rules {
		write(r.Name)
		write(r.Expression)
	}
	var k key
	h.Sum(k[:0])
	return k
}

// compile parses, type-checks and cost-checks one expression and plans its
// program with the runtime limits.
func (e *Engine) compile(expr string) (cel.Program, error) {
	ast, iss := e.env.Compile(expr)
	if iss.Err() != nil {
		return nil, issuesError(iss)
	}
	if t := ast.OutputType(); t.IsExactType(cel.DynType) {
		// A field of the dynamic variables: it may hold anything at runtime.
		return nil, errors.New("the expression must evaluate to bool, not dyn; compare the field explicitly, e.g. x == true")
	} else if !t.IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("the expression must evaluate to bool, not %s", t)
	}
	est, err := e.env.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, fmt.Errorf("cannot estimate the cost: %w", err)
	}
	if est.Max > e.costLimit {
		return nil, fmt.Errorf("the estimated cost (%s) exceeds the limit of %d; iterate fewer or smaller lists", costString(est.Max), e.costLimit)
	}
	return e.env.Program(ast,
		cel.CostLimit(e.costLimit),
		cel.InterruptCheckFrequency(interruptCheckFrequency),
		cel.EvalOptions(cel.OptOptimize),
	)
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

// eval runs the program and reports its boolean result. CEL errors (a
// missing field, the cost limit, a failing helper) come back as err.
func (p program) eval(ctx context.Context, act cel.Activation) (bool, error) {
	if p.err != nil {
		return false, p.err
	}
	out, _, err := p.prg.ContextEval(ctx, act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the expression returned %s, not bool", out.Type())
	}
	return bool(b), nil
}
