package storetest

import (
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testParameters checks that a submission missing required parameters is
// moved to needs_action, and that fixing them allows a new submission.
func testParameters(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(func(in *enroll.ProgramInstance) {
		in.Parameters = []enroll.Parameter{{ExternalID: "tenant_id", Name: "Tenant ID", Type: enroll.ParamString,
			Constraints: enroll.ParameterConstraints{Required: true}}}
	})
	e := f.enroll(inst, "param@example.com", func(c *enroll.EnrollmentCreate) { c.EligibilityStatus = enroll.StatusSubmitted })
	if e.Eligibility.Status != enroll.StatusNeedsAction || len(e.Parameters) != 1 || e.Parameters[0].Error == nil ||
		e.Parameters[0].Error.ID != enroll.ParamErrRequired {
		t.Fatalf("submission without a required parameter = %+v %+v", e.Eligibility, e.Parameters)
	}
	h := must(f.s.ListStatusChanges(f.ctx, f.a.WorkspaceID, e.ID))
	if last := h[len(h)-1]; last.From != enroll.StatusSubmitted || last.To != enroll.StatusNeedsAction || last.Reason == "" {
		t.Fatalf("history ends with %+v", last)
	}
	e = must(f.s.UpdateEnrollment(f.ctx, f.a, e.ID, func(e *enroll.Enrollment) error {
		e.Parameters = []enroll.ParameterValue{{ExternalID: "tenant_id", Value: "t-1"}}
		e.SetStatus(enroll.StatusSubmitted, "fixed")
		return nil
	}))
	if e.Eligibility.Status != enroll.StatusSubmitted || e.Parameters[0].Error != nil {
		t.Fatalf("resubmission = %+v %+v", e.Eligibility, e.Parameters)
	}
	_, err := f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "A", LastName: "B", Email: "undeclared@example.com", Parameters: []enroll.ParameterValue{{ExternalID: "nope", Value: 1}}})
	wantCode(t, err, enroll.EINVALID)
	_, err = f.s.CreateEnrollment(f.ctx, f.a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "A", LastName: "B", Email: "typed@example.com", Parameters: []enroll.ParameterValue{{ExternalID: "tenant_id", Value: 12}}})
	wantCode(t, err, enroll.EINVALID)

	// Unique values: one holder per instance among open enrollments.
	uniq := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
		in.Parameters = []enroll.Parameter{{ExternalID: "account", Name: "Account", Type: enroll.ParamString,
			Constraints: enroll.ParameterConstraints{Unique: true, Readonly: true}}}
	})
	withAccount := func(c *enroll.EnrollmentCreate) {
		c.Parameters = []enroll.ParameterValue{{ExternalID: "account", Value: "A-1"}}
	}
	holder := f.enroll(uniq, "u1@example.com", withAccount)
	_, err = f.s.CreateEnrollment(f.ctx, f.a, uniq.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "A", LastName: "B", Email: "u2@example.com", Parameters: []enroll.ParameterValue{{ExternalID: "account", Value: "A-1"}}})
	wantCode(t, err, enroll.ECONFLICT)
	if err.(*enroll.Error).Extra["existingId"] != holder.ID {
		t.Fatalf("unique conflict names %v", err.(*enroll.Error).Extra)
	}
	f.enroll(f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Parameters = uniq.Parameters }), "u3@example.com", withAccount)
	_, err = f.s.UpdateEnrollment(f.ctx, f.a, holder.ID, func(e *enroll.Enrollment) error {
		e.Parameters[0].Value = "A-2"
		return nil
	})
	wantCode(t, err, enroll.EINVALID) // read-only once set
	f.move(f.move(holder, enroll.StatusIneligible), enroll.StatusEligible)
	holder = f.move(f.move(f.move(holder, enroll.StatusSubmitted), enroll.StatusApproved), enroll.StatusUnenrolled)
	f.enroll(uniq, "u2@example.com", withAccount) // a closed enrollment frees the value
	if err := f.s.DeleteEnrollment(f.ctx, f.a, holder.ID, nil); err != nil {
		t.Fatal(err)
	}

	// A hidden unique value's holder is not named: keys that may not read
	// hidden values would learn by guessing who holds one.
	secret := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) {
		in.Parameters = []enroll.Parameter{{ExternalID: "ssn", Name: "SSN", Type: enroll.ParamString,
			Constraints: enroll.ParameterConstraints{Unique: true, Hidden: true}}}
	})
	withSSN := func(c *enroll.EnrollmentCreate) {
		c.Parameters = []enroll.ParameterValue{{ExternalID: "ssn", Value: "078-05-1120"}}
	}
	hidden := f.enroll(secret, "s1@example.com", withSSN)
	in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo, FirstName: "A", LastName: "B", Email: "s2@example.com"}
	withSSN(in)
	_, err = f.s.CreateEnrollment(f.ctx, f.a, secret.ID, in)
	wantCode(t, err, enroll.ECONFLICT)
	if de := err.(*enroll.Error); de.Extra["existingId"] != nil || de.Extra["parameter"] != "ssn" || strings.Contains(de.Message, hidden.ID) {
		t.Fatalf("hidden unique conflict = %q %v: names the holder", de.Message, de.Extra)
	}
	if is, ok := f.s.(enroll.ImportStore); ok {
		im := runImport(f, is, secret, enroll.FormatCSV, "firstName,lastName,email,parameters.ssn\nC,D,s3@example.com,078-05-1120\n", false, 100)
		errs := allErrors(f, is, im.ID, 100)
		if im.FailedRows != 1 || len(errs) != 1 || errs[0].Field != "parameters.ssn" || strings.Contains(errs[0].Message, hidden.ID) {
			t.Fatalf("import of a taken hidden value = %+v, errors %+v", im, errs)
		}
	}
}
