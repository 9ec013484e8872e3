package http

import (
	"cmp"
	"context"
	"encoding/json"
	"time"

	"github.com/enrollhq/enroll"
)

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

// RuleCount is how many evaluated enrollments a rule passed, failed or
// errored on (enroll.RuleCount, named in the OpenAPI document).
type RuleCount = enroll.RuleCount

// CurrentEligibility summarises a rules test over current enrollments
// (enroll.CurrentEligibility, named in the OpenAPI document).
type CurrentEligibility = enroll.CurrentEligibility

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
		if err := inst.DraftRules(s.cfg.Engine, *r); err != nil {
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
			EnrolledInOtherProgram: enroll.NewOtherPrograms(s.store, workspaceFrom(ctx), inst).Of(ctx, sample)})
		if err != nil {
			return nil, err
		}
	}
	if in.Body.Current {
		limit := cmp.Or(in.Body.Limit, enroll.DefaultEligibilityScan)
		deadline := time.Now().Add(cmp.Or(s.cfg.RulesTestTime, enroll.RulesTestTime))
		if out.Current, err = enroll.EvaluateCurrent(ctx, s.store, s.cfg.Engine, workspaceFrom(ctx), inst, min(limit, enroll.MaxEligibilityScan), deadline); err != nil {
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
