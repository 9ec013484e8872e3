package enroll

import (
	"context"
	"time"
)

// MaxEligibilityScan bounds how many current enrollments a rules test
// evaluates, so a test on a huge instance answers in bounded time.
const MaxEligibilityScan = 100_000

// DefaultEligibilityScan is how many current enrollments a rules test
// evaluates when it is not told.
const DefaultEligibilityScan = 10_000

// RulesTestTime is how long a rules test evaluates current enrollments at
// most, unless told otherwise: rules near the cost limit take about a
// tenth of a second each per enrollment, so that 100,000 of them would
// run for hours, long past a response's write timeout (60 s), until the
// client went away.
const RulesTestTime = 10 * time.Second

// RuleCount is how many evaluated enrollments a rule passed, failed or errored on.
type RuleCount struct {
	Name   string `json:"name"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	Errors int    `json:"errors"`
}

// CurrentEligibility summarises a rules test over current enrollments.
type CurrentEligibility struct {
	Evaluated  int         `json:"evaluated"`
	Truncated  bool        `json:"truncated" doc:"True when the instance has more enrollments than were evaluated."`
	TimeLimit  bool        `json:"timeLimit" doc:"True when the evaluation stopped at the test's time limit (10 s) rather than at limit: the counts are of the enrollments evaluated by then, the newest; a smaller limit, or cheaper rules, test them all."`
	Eligible   int         `json:"eligible"`
	Ineligible int         `json:"ineligible"`
	Rules      []RuleCount `json:"rules"`
}

// DraftRules puts rules on in, an instance as stored, to try them before
// they are saved: it validates the instance with them and checks them
// with engine, as a save would, and starts a new rules version when they
// differ from in's. Returns EINVALID (the check's field errors name the
// rules by their index in rules).
func (in *ProgramInstance) DraftRules(engine RuleEngine, rules []Rule) error {
	if !RulesEqual(in.EligibilityRules, rules) {
		// Named as a save would name them.
		draft := ProgramInstance{EligibilityRules: rules}
		draft.TrimRuleNames()
		rules = draft.EligibilityRules
	}
	if !RulesEqual(in.EligibilityRules, rules) {
		// An evaluation's rulesVersion is the one these rules would get
		// when saved, not the saved rules' (which did not decide it).
		in.RulesVersion++
	}
	in.EligibilityRules = rules
	draft := *in
	if err := draft.Validate(); err != nil {
		return err
	}
	return engine.Check(in.EligibilityRules, in.Parameters)
}

// EvaluateCurrent evaluates inst's rules, through engine, on up to limit
// of its enrollments in workspace wsID, newest first, changing nothing,
// and counts per rule how many pass. It stops at deadline, having
// evaluated one at least.
func EvaluateCurrent(ctx context.Context, store Store, engine RuleEngine, wsID string, inst *ProgramInstance, limit int, deadline time.Time) (*CurrentEligibility, error) {
	cur := &CurrentEligibility{Rules: make([]RuleCount, len(inst.EligibilityRules))}
	for i, r := range inst.EligibilityRules {
		cur.Rules[i].Name = r.Name
	}
	elsewhere := NewOtherPrograms(store, wsID, inst)
	customers := map[string]*Customer{}
	f := EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: ListParams{PerPage: MaxPerPage}}
	for cur.Evaluated < limit {
		page, err := store.ListEnrollments(ctx, wsID, f)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Data {
			if cur.Evaluated == limit {
				cur.Truncated = true
				break
			}
			if cur.Evaluated > 0 && !time.Now().Before(deadline) {
				cur.Truncated, cur.TimeLimit = true, true
				break
			}
			c, err := customerOf(ctx, store, wsID, e, customers)
			if err != nil {
				return nil, err
			}
			ev, err := engine.Evaluate(ctx, EvaluationInput{Enrollment: e, Customer: c, Instance: inst,
				EnrolledInOtherProgram: elsewhere.Of(ctx, e)})
			if err != nil {
				return nil, err
			}
			cur.count(ev)
		}
		if page.NextPageToken == "" || cur.TimeLimit {
			break
		}
		if cur.Evaluated == limit {
			cur.Truncated = true
			break
		}
		f.PageToken = string(page.NextPageToken)
	}
	return cur, nil
}

// count adds an evaluation to the counts.
func (cur *CurrentEligibility) count(ev *Evaluation) {
	cur.Evaluated++
	if ev.Status == StatusEligible {
		cur.Eligible++
	} else {
		cur.Ineligible++
	}
	for i, r := range ev.Trace {
		switch r.Outcome {
		case RulePassed:
			cur.Rules[i].Passed++
		case RuleFailed:
			cur.Rules[i].Failed++
		default:
			cur.Rules[i].Errors++
		}
	}
}

// customerOf returns e's customer, loading each once.
func customerOf(ctx context.Context, store Store, wsID string, e *Enrollment, cache map[string]*Customer) (*Customer, error) {
	if e.CustomerID == "" {
		return nil, nil
	}
	if c, ok := cache[e.CustomerID]; ok {
		return c, nil
	}
	c, err := store.FindCustomer(ctx, wsID, e.CustomerID)
	if ErrorCode(err) == ENOTFOUND {
		c, err = nil, nil
	}
	cache[e.CustomerID] = c
	return c, err
}

// OtherPrograms answers enrolledInOtherProgram() for enrollments of one
// instance from the store (Store.EnrolledElsewhere), as a create or an
// evaluation does, remembering each participant's answer.
type OtherPrograms struct {
	store   Store
	wsID    string
	inst    *ProgramInstance
	answers map[[2]string]bool // customer and lead ids → answer
}

// NewOtherPrograms returns the answers for enrollments of inst, of
// workspace wsID.
func NewOtherPrograms(store Store, wsID string, inst *ProgramInstance) *OtherPrograms {
	return &OtherPrograms{store: store, wsID: wsID, inst: inst, answers: map[[2]string]bool{}}
}

// Of returns the function the rules call for e
// (EvaluationInput.EnrolledInOtherProgram).
func (w *OtherPrograms) Of(ctx context.Context, e *Enrollment) func() (bool, error) {
	return func() (bool, error) {
		who := [2]string{e.CustomerID, e.LeadID}
		if e.CustomerID != "" {
			// A customer's answer is the same whatever lead an
			// enrollment of it names.
			who[1] = ""
		}
		if v, ok := w.answers[who]; ok {
			return v, nil
		}
		probe := Enrollment{CustomerID: who[0], LeadID: who[1], ProgramInstanceID: w.inst.ID}
		v, err := w.store.EnrolledElsewhere(ctx, w.wsID, &probe)
		if err != nil {
			return false, err
		}
		w.answers[who] = v
		return v, nil
	}
}
