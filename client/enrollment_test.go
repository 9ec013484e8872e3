package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestAllEnrollments(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "en", Name: "En"}))
	a := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "en", &client.InstanceCreate{Slug: "a", Name: "A"}))
	b := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "en", &client.InstanceCreate{Slug: "b", Name: "B"}))
	for i := range 12 {
		inst := a
		if i%4 == 3 {
			inst = b
		}
		must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "E", LastName: fmt.Sprintf("N%02d", i), Email: fmt.Sprintf("e%d@example.com", i), Tags: []string{"t"}}))
	}
	// Every instance's, in pages of 5 by last name: 3 pages, each
	// enrollment once, in order.
	all := collect(t, c.AllEnrollments(ctx, "", client.EnrollmentQuery{Tag: "t", ListOptions: client.ListOptions{PerPage: 5, Sort: "lastName"}}))
	if len(all) != 12 {
		t.Fatalf("AllEnrollments = %d enrollments", len(all))
	}
	for i, e := range all {
		if e.LastName != fmt.Sprintf("N%02d", i) {
			t.Fatalf("enrollment %d is %s", i, e.LastName)
		}
	}
	if of := collect(t, c.AllEnrollments(ctx, b.ID, client.EnrollmentQuery{ListOptions: client.ListOptions{PerPage: 2}})); len(of) != 3 {
		t.Fatalf("AllEnrollments of one instance = %d enrollments", len(of))
	}
	// An error ends the sequence: here the first page's.
	var errs []error
	for e, err := range c.AllEnrollments(ctx, enroll.NewID(), client.EnrollmentQuery{}) {
		if e != nil {
			t.Fatalf("an enrollment of an instance that does not exist: %+v", e)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !client.IsStatus(errs[0], 404) {
		t.Fatalf("errors = %v", errs)
	}

	// An empty instance id would POST to the list of every instance.
	_, err := c.CreateEnrollment(ctx, "", &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "E", LastName: "Mpty", Email: "empty@example.com"})
	if !errors.Is(err, client.ErrEmptyID) || err.Error() != "enroll: POST /v1/programInstances//enrollments: an id the path names is empty" {
		t.Fatalf("CreateEnrollment without an instance: %v", err)
	}
}
