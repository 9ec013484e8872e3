package http

import (
	"cmp"
	"context"
	"time"

	"github.com/enrollhq/enroll"
)

// testEligibilityInput is the body of POST .../eligibility:test.
type testEligibilityInput struct {
	InstanceID string `path:"instanceId" doc:"The program instance's id."`
	Body       struct {
		EligibilityRules *[]enroll.Rule `json:"eligibilityRules,omitempty" nullable:"true" maxItems:"100" doc:"Draft rules to try; the instance's saved rules when absent."`
		Enrollment       map[string]any `json:"enrollment,omitempty" nullable:"true" doc:"A sample enrollment to evaluate: any members of the enrollment representation. Those it leaves out are as in a created enrollment: lists and maps empty ([] and {}), eligibility.status candidate; its parameters are as a create stores them (date-times in upper case, each value with its error, an entry with a PARAM_REQUIRED error for each required parameter it lacks)."`
		Customer         map[string]any `json:"customer,omitempty" nullable:"true" doc:"The sample's customer, as rules see it: any members of the customer representation (metadata {} when left out). Without one, the customer the sample's customerId names (the key needs enrollments:read), or for a customerInfo sample the customer its create would make of its contact fields; otherwise none, as a bare lead's enrollment: rules see customer as {} (docs/api.md). Only with an enrollment."`
		Current          bool           `json:"current,omitempty" nullable:"true" doc:"Also evaluate the instance's current enrollments and count, per rule, how many pass (the key needs enrollments:read)."`
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
	if in.Body.Current {
		// The counts tell what the enrollments and their customers hold,
		// a draft rule reading any of their members.
		if err := requireScope(ctx, enroll.ScopeEnrollmentsRead, "try rules on current enrollments"); err != nil {
			return nil, err
		}
	}
	if r := in.Body.EligibilityRules; r != nil {
		if err := inst.DraftRules(s.cfg.Engine, *r); err != nil {
			return nil, err
		}
	}
	if in.Body.Enrollment == nil && in.Body.Customer != nil {
		// Nothing would read it: the caller meant a sample.
		var v enroll.Invalid
		v.Add("customer", "is the sample enrollment's customer: send the enrollment too", nil)
		return nil, v.Err()
	}
	out := &EligibilityTest{}
	if in.Body.Enrollment != nil {
		if out.Sample, err = enroll.EvaluateSample(ctx, s.store, s.cfg.Engine, keyFrom(ctx), inst, in.Body.Enrollment, in.Body.Customer); err != nil {
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
