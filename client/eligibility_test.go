package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestEligibilityRules(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "el", Name: "El"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "el", &client.InstanceCreate{Slug: "i", Name: "I",
		EligibilityRules: []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside NY"}}}))
	for _, state := range []string{"NY", "CA", "CA"} {
		must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "E", LastName: state, Email: state + enroll.NewID() + "@example.com", Address: &enroll.Address{State: state}}))
	}

	// The saved rules, on a sample and on the current enrollments.
	res := must[*client.EligibilityTest](t)(c.TestEligibilityRules(ctx, inst.ID, &client.EligibilityTestRequest{
		Enrollment: map[string]any{"address": map[string]any{"state": "CA"}}, Current: true}))
	if res.Sample == nil || res.Sample.Status != enroll.StatusIneligible || res.Sample.Reason != "Outside NY" {
		t.Fatalf("sample = %+v", res.Sample)
	}
	if cur := res.Current; cur == nil || cur.Evaluated != 3 || cur.Eligible != 1 || cur.Ineligible != 2 || cur.Truncated ||
		len(cur.Rules) != 1 || cur.Rules[0] != (client.RuleCount{Name: "ny", Passed: 1, Failed: 2}) {
		t.Fatalf("current = %+v", res.Current)
	}
	// No rule at all (an empty list, not the saved ones): eligible; a
	// limit of one enrollment.
	res = must[*client.EligibilityTest](t)(c.TestEligibilityRules(ctx, inst.ID, &client.EligibilityTestRequest{EligibilityRules: []enroll.Rule{},
		Enrollment: map[string]any{}, Current: true, Limit: 1}))
	if res.Sample == nil || res.Sample.Status != enroll.StatusEligible || res.Current.Evaluated != 1 || !res.Current.Truncated {
		t.Fatalf("without rules = %+v %+v", res.Sample, res.Current)
	}
	if res := must[*client.EligibilityTest](t)(c.TestEligibilityRules(ctx, inst.ID, nil)); res.Sample != nil || res.Current != nil {
		t.Fatalf("an empty test = %+v", res)
	}
	_, err := c.TestEligibilityRules(ctx, inst.ID, &client.EligibilityTestRequest{EligibilityRules: []enroll.Rule{{Name: "bad", Expression: "enrollment.nope =="}}})
	if !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("a rule that does not compile: %v", err)
	}
}
