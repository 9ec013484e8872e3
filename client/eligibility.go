package client

import (
	"context"
	"net/http"

	"github.com/enrollhq/enroll"
)

// EligibilityTestRequest is the body of TestEligibilityRules.
type EligibilityTestRequest struct {
	// EligibilityRules are draft rules to try; nil tries the instance's
	// saved rules, and an empty non-nil list no rule at all.
	EligibilityRules []enroll.Rule `json:"eligibilityRules,omitzero"`
	// Enrollment is a sample enrollment to evaluate: any members of the
	// enrollment representation, those left out as in a created
	// enrollment. Nil evaluates no sample.
	Enrollment map[string]any `json:"enrollment,omitzero"`
	// Customer is the sample's customer, as rules see it.
	Customer map[string]any `json:"customer,omitzero"`
	// Current also evaluates the instance's current enrollments, newest
	// first, and counts per rule how many pass.
	Current bool `json:"current,omitempty"`
	// Limit bounds Current's enrollments, 1 to 100,000; 0 means 10,000.
	Limit int `json:"limit,omitempty"`
}

// EligibilityTest is the answer of TestEligibilityRules.
type EligibilityTest struct {
	// Sample is the sample enrollment's evaluation; nil without one.
	// With draft rules that differ from the saved ones, its RulesVersion
	// is the one they would get when saved.
	Sample *enroll.Evaluation `json:"sample"`
	// Current is nil unless asked for.
	Current *CurrentEligibility `json:"current"`
}

// CurrentEligibility sums up a rules test over current enrollments.
type CurrentEligibility struct {
	Evaluated int `json:"evaluated"`
	// Truncated is true when the instance has more enrollments than were
	// evaluated.
	Truncated bool `json:"truncated"`
	// TimeLimit is true when the test stopped at its time limit (10 s)
	// rather than at the limit asked for: the counts are of the
	// enrollments evaluated by then, the newest.
	TimeLimit  bool        `json:"timeLimit"`
	Eligible   int         `json:"eligible"`
	Ineligible int         `json:"ineligible"`
	Rules      []RuleCount `json:"rules"`
}

// RuleCount is how many evaluated enrollments a rule passed, failed or
// errored on.
type RuleCount struct {
	Name   string `json:"name"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
	Errors int    `json:"errors"`
}

// TestEligibilityRules tries draft (or the saved) eligibility rules of a
// program instance on a sample enrollment and on current enrollments,
// changing nothing. Rules that do not compile are a 422 at each rule.
func (c *Client) TestEligibilityRules(ctx context.Context, instanceID string, in *EligibilityTestRequest) (*EligibilityTest, error) {
	if in == nil {
		in = &EligibilityTestRequest{}
	}
	return send[EligibilityTest](c, ctx, http.MethodPost, "/v1/programInstances/"+esc(instanceID)+"/eligibility:test", in)
}
