package enroll

import (
	"context"
	"time"
)

// RuleOutcome is the result of one rule in an evaluation.
type RuleOutcome string

const (
	// RulePassed means the rule's expression was true.
	RulePassed RuleOutcome = "passed"
	// RuleFailed means the expression was false.
	RuleFailed RuleOutcome = "failed"
	// RuleError means the expression could not be evaluated (a missing
	// field, a cost limit); it counts as failed.
	RuleError RuleOutcome = "error"
)

// RuleResult is one rule's line in an evaluation trace.
type RuleResult struct {
	Name    string      `json:"name"`
	Outcome RuleOutcome `json:"outcome" enum:"passed,failed,error"`
	Message string      `json:"message,omitempty"`
}

// Evaluation is the outcome of running an instance's eligibility rules.
type Evaluation struct {
	// An enrollment never evaluated shows null.
	_            struct{}     `nullable:"true"`
	Status       Status       `json:"status" enum:"eligible,ineligible"`
	Reason       string       `json:"reason,omitempty"`
	RulesVersion int          `json:"rulesVersion"`
	Trace        []RuleResult `json:"trace"`
	EvaluatedAt  time.Time    `json:"evaluatedAt"`
}

// EvaluationInput is what rules see.
type EvaluationInput struct {
	Enrollment *Enrollment
	// Customer is nil when the enrollment has no customer (a bare lead).
	Customer *Customer
	Instance *ProgramInstance
	// EnrolledInOtherProgram reports whether the customer holds an approved
	// or paused enrollment in an instance of another program (other
	// instances of the same program do not count). Called only when a
	// rule asks.
	EnrolledInOtherProgram func() (bool, error)
}

// RuleEngine compiles and evaluates eligibility rules. Implementations
// cache compiled rules and bound evaluation cost.
type RuleEngine interface {
	// Check compiles rules and checks the fields they name, and the types
	// they combine on an enrollment of an instance that declares params;
	// it returns EINVALID with one field error per bad rule
	// ("eligibilityRules[i].expression", with the position or the field).
	// Stores call it when rules are saved or changed, with the instance's
	// parameters as saved with them, before their write transaction
	// (CheckRules, WriteCheckedRules): it tries each rule, which may take
	// most of a second.
	Check(rules []Rule, params []Parameter) error
	// Evaluate runs in.Instance's rules. A rule that errors fails with its
	// reason; only an unusable engine returns an error.
	Evaluate(ctx context.Context, in EvaluationInput) (*Evaluation, error)
}

// Evaluable reports whether an enrollment in s may be (re-)evaluated.
func Evaluable(s Status) bool {
	return s == StatusCandidate || s == StatusEligible || s == StatusIneligible
}

// ApplyEvaluation records ev on e and moves e to ev's status, checking the
// transition. It returns ECONFLICT when e is past eligibility.
func ApplyEvaluation(e *Enrollment, ev *Evaluation) error {
	if !Evaluable(e.Eligibility.Status) {
		return &Error{Code: ECONFLICT, Message: "Only candidate, eligible and ineligible enrollments can be evaluated; this one is " + string(e.Eligibility.Status) + ".",
			Extra: map[string]any{"currentStatus": e.Eligibility.Status}}
	}
	if ev.Status != e.Eligibility.Status {
		if err := CheckTransition(e.Eligibility.Status, ev.Status); err != nil {
			return err
		}
	}
	e.Evaluation = ev
	e.Eligibility.Status = ev.Status
	e.Eligibility.Reason = ev.Reason
	return nil
}
