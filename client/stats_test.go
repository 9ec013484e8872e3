package client_test

import (
	"context"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestInstanceStats(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "st", Name: "St"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "st", &client.InstanceCreate{Slug: "i", Name: "I"}))
	for _, email := range []string{"a@example.com", "b@example.com"} {
		must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "S", LastName: "T", Email: email}))
	}
	st := must[*client.InstanceStats](t)(c.GetInstanceStats(ctx, inst.ID))
	if st.ProgramInstanceID != inst.ID || st.Total != 2 || st.Counts[enroll.StatusEligible] != 2 || len(st.Counts) != len(enroll.Statuses) {
		t.Fatalf("GetInstanceStats = %+v", st)
	}
}
