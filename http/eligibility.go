package http

import (
	"cmp"
	"context"
	"encoding/json"
	"time"

	"github.com/enrollhq/enroll"
)

// maxEligibilityScan bounds how many current enrollments a rules test
// evaluates, so a test on a huge instance answers in bounded time.
const maxEligibilityScan = 100_000

// defaultRulesTestTime is how long a rules test evaluates current
// enrollments at most (Config.RulesTestTime): rules near the cost limit
// take about a tenth of a second each per enrollment, so that 100,000 of
// them would run for hours, long past the response's write timeout (60 s),
// until the client went away.
const defaultRulesTestTime = 10 * time.Second

// testEligibilityInput is the body of POST .../eligibility:test.
type testEligibilityInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	Body       struct {
		EligibilityRules *[]enroll.Rule `json:"eligibilityRules,omitempty" nullable:"true" maxItems:"100" doc:"Draft rules to try; the instance's saved rules when absent."`
		Enrollment       map[string]any `json:"enrollment,omitempty" nullable:"true" doc:"A sample enrollment to evaluate: any members of the enrollment representation. Those it leaves out are as in a created enrollment: lists and maps empty ([] and {}), eligibility.status candidate; its parameters are as a create stores them (date-times in upper case, each value with its error, an entry with a PARAM_REQUIRED error for each required parameter it lacks)."`
		Customer         map[string]any `json:"customer,omitempty" nullable:"true" doc:"The sample's customer, as rules see it: any members of the customer representation (metadata {} when left out). Without one, the customer the sample's customerId names (the key needs enrollments:read), or for a customerInfo sample the customer its create would make of its contact fields; otherwise none, as a bare lead's enrollment: rules see customer as {} (docs/api.md)."`
		Current          bool           `json:"current,omitempty" nullable:"true" doc:"Also evaluate the instance's current enrollments and count, per rule, how many pass."`
		Limit            int            `json:"limit,omitempty" nullable:"true" minimum:"1" maximum:"100000" doc:"At most this many current enrollments, newest first (default 10,000), and as many as the test's time limit (10 s) allows (timeLimit)."`
	}
}

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

// EligibilityTest is the answer of a rules test.
type EligibilityTest struct {
	Sample  *enroll.Evaluation  `json:"sample,omitempty" doc:"The sample enrollment's evaluation. With draft rules that differ from the saved ones, its rulesVersion is the one they would get when saved."`
	Current *CurrentEligibility `json:"current,omitempty"`
}

type testEligibilityOutput struct{ Body *EligibilityTest }

// testEligibility compiles draft (or saved) rules and evaluates them on a
// sample and on current enrollments, changing nothing.
func (s *Server) testEligibility(ctx context.Context, in *testEligibilityInput) (*testEligibilityOutput, error) {
	inst, err := s.findInstance(ctx, in.InstanceID)
	if err != nil {
		return nil, err
	}
	if r := in.Body.EligibilityRules; r != nil {
		if !enroll.RulesEqual(inst.EligibilityRules, *r) {
			// The sample's rulesVersion is the one these rules would get
			// when saved, not the saved rules' (which did not decide it).
			inst.RulesVersion++
		}
		inst.EligibilityRules = *r
		draft := *inst
		if err := draft.Validate(); err != nil {
			return nil, err
		}
		if err := s.cfg.Engine.Check(inst.EligibilityRules, inst.Parameters); err != nil {
			return nil, err
		}
	}
	out := &EligibilityTest{}
	if in.Body.Enrollment != nil {
		sample, customer := &enroll.Enrollment{}, (*enroll.Customer)(nil)
		if err := convert(in.Body.Enrollment, sample, "body.enrollment"); err != nil {
			return nil, err
		}
		if in.Body.Customer != nil {
			customer = &enroll.Customer{}
			if err := convert(in.Body.Customer, customer, "body.customer"); err != nil {
				return nil, err
			}
		}
		// As a created enrollment is: what the sample leaves out is [] or
		// {} (tags, devices, metadata, ...), not null, its parameters are
		// as a create stores them, and it is a candidate of the instance
		// unless it says otherwise.
		sample.Normalize()
		sample.SampleParameters(inst)
		sample.ProgramInstanceID, sample.Eligibility.ProgramInstanceID = inst.ID, inst.ID
		if sample.Eligibility.Status == "" {
			sample.Eligibility.Status = enroll.StatusCandidate
		}
		if customer == nil {
			if customer, err = s.sampleCustomer(ctx, sample); err != nil {
				return nil, err
			}
		}
		if customer != nil {
			customer.Normalize()
		}
		out.Sample, err = s.cfg.Engine.Evaluate(ctx, enroll.EvaluationInput{Enrollment: sample, Customer: customer, Instance: inst,
			EnrolledInOtherProgram: s.elsewhere(inst).of(ctx, sample)})
		if err != nil {
			return nil, err
		}
	}
	if in.Body.Current {
		limit := in.Body.Limit
		if limit == 0 {
			limit = 10_000
		}
		deadline := time.Now().Add(cmp.Or(s.cfg.RulesTestTime, defaultRulesTestTime))
		if out.Current, err = s.evaluateCurrent(ctx, inst, min(limit, maxEligibilityScan), deadline); err != nil {
			return nil, err
		}
	}
	return &testEligibilityOutput{Body: out}, nil
}

// sampleCustomer is the customer rules see on a sample sent without
// one, as they would on the enrollment it stands for: the customer its
// customerId names, or, for a customerInfo sample, the one a create makes
// of its names, email, phone, address and referenceId (a create that
// finds a customer with that email reuses it instead: send it as
// customerId to try it); none otherwise, as a bare lead's enrollment has
// none. Returns EINVALID for a customerId naming no customer, and a 403
// for a key that cannot read customers.
func (s *Server) sampleCustomer(ctx context.Context, sample *enroll.Enrollment) (*enroll.Customer, error) {
	ws := workspaceFrom(ctx)
	switch {
	case sample.CustomerID != "":
		// Rules can read any of the customer's members: a key must be
		// able to read it.
		if err := requireScope(ctx, enroll.ScopeEnrollmentsRead, "try rules on a stored customer"); err != nil {
			return nil, err
		}
		c, err := s.store.FindCustomer(ctx, ws, sample.CustomerID)
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			var v enroll.Invalid
			v.Add("body.enrollment.customerId", "names no customer of the workspace", sample.CustomerID)
			return nil, v.Err()
		}
		return c, err
	case sample.IdentificationType == enroll.IdentifyByCustomerInfo:
		p := enroll.Participant{FirstName: sample.FirstName, LastName: sample.LastName, Email: sample.Email, Phone: sample.Phone, Address: sample.Address}
		c := p.NewCustomer(ws, time.Now())
		c.ReferenceID = sample.ReferenceID
		return c, nil
	}
	return nil, nil
}

// evaluateCurrent evaluates up to limit of inst's enrollments, newest
// first, and stops at deadline, having evaluated one at least.
func (s *Server) evaluateCurrent(ctx context.Context, inst *enroll.ProgramInstance, limit int, deadline time.Time) (*CurrentEligibility, error) {
	cur := &CurrentEligibility{Rules: make([]RuleCount, len(inst.EligibilityRules))}
	for i, r := range inst.EligibilityRules {
		cur.Rules[i].Name = r.Name
	}
	elsewhere := s.elsewhere(inst)
	customers := map[string]*enroll.Customer{}
	f := enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}}
	for cur.Evaluated < limit {
		page, err := s.store.ListEnrollments(ctx, workspaceFrom(ctx), f)
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
			c, err := s.customerOf(ctx, e, customers)
			if err != nil {
				return nil, err
			}
			ev, err := s.cfg.Engine.Evaluate(ctx, enroll.EvaluationInput{Enrollment: e, Customer: c, Instance: inst,
				EnrolledInOtherProgram: elsewhere.of(ctx, e)})
			if err != nil {
				return nil, err
			}
			cur.Evaluated++
			if ev.Status == enroll.StatusEligible {
				cur.Eligible++
			} else {
				cur.Ineligible++
			}
			for i, r := range ev.Trace {
				switch r.Outcome {
				case enroll.RulePassed:
					cur.Rules[i].Passed++
				case enroll.RuleFailed:
					cur.Rules[i].Failed++
				default:
					cur.Rules[i].Errors++
				}
			}
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

// customerOf returns e's customer, loading each once.
func (s *Server) customerOf(ctx context.Context, e *enroll.Enrollment, cache map[string]*enroll.Customer) (*enroll.Customer, error) {
	if e.CustomerID == "" {
		return nil, nil
	}
	if c, ok := cache[e.CustomerID]; ok {
		return c, nil
	}
	c, err := s.store.FindCustomer(ctx, workspaceFrom(ctx), e.CustomerID)
	if enroll.ErrorCode(err) == enroll.ENOTFOUND {
		c, err = nil, nil
	}
	cache[e.CustomerID] = c
	return c, err
}

// elsewhere answers enrolledInOtherProgram() for enrollments of one
// instance from the store, as the stores do: an approved or paused
// enrollment in an instance of another program. It remembers each
// customer's answer and each instance's program.
type elsewhere struct {
	s        *Server
	inst     *enroll.ProgramInstance
	answers  map[string]bool   // customer id → answer
	programs map[string]string // instance id → program id
}

func (s *Server) elsewhere(inst *enroll.ProgramInstance) *elsewhere {
	return &elsewhere{s: s, inst: inst, answers: map[string]bool{}, programs: map[string]string{inst.ID: inst.ProgramID}}
}

// of returns the function the rules call for e.
func (w *elsewhere) of(ctx context.Context, e *enroll.Enrollment) func() (bool, error) {
	return func() (bool, error) {
		if e.CustomerID == "" {
			return false, nil
		}
		if v, ok := w.answers[e.CustomerID]; ok {
			return v, nil
		}
		page, err := w.s.store.ListEnrollments(ctx, workspaceFrom(ctx), enroll.EnrollmentFilter{CustomerID: e.CustomerID,
			Statuses: []enroll.Status{enroll.StatusApproved, enroll.StatusPaused}, ListParams: enroll.ListParams{PerPage: enroll.MaxPerPage}})
		if err != nil {
			return false, err
		}
		v := false
		for _, o := range page.Data {
			program, ok := w.programs[o.ProgramInstanceID]
			if !ok {
				in, err := w.s.store.FindInstance(ctx, workspaceFrom(ctx), o.ProgramInstanceID)
				if err != nil {
					return false, err
				}
				program = in.ProgramID
				w.programs[o.ProgramInstanceID] = program
			}
			if program != w.inst.ProgramID {
				v = true
				break
			}
		}
		w.answers[e.CustomerID] = v
		return v, nil
	}
}

// convert decodes a free-form sample into a domain type, as a 422 at loc
// when a member has the wrong type.
func convert(in map[string]any, out any, loc string) error {
	b, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return &enroll.Error{Code: enroll.EINVALID, Message: loc + ": " + err.Error(),
			Fields: []enroll.FieldError{{Location: loc, Message: err.Error()}}}
	}
	return nil
}
