package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestInstanceFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "solar", Name: "Solar"}))
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "wind", Name: "Wind"}))
	a := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "solar", &client.InstanceCreate{Slug: "a", Name: "A"}))
	b := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "solar", &client.InstanceCreate{Slug: "b", Name: "B", Status: enroll.InstanceArchived}))
	w := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "wind", &client.InstanceCreate{Slug: "w", Name: "W", Status: enroll.InstanceInactive}))

	ids := func(insts []*enroll.ProgramInstance) (s []string) {
		for _, i := range insts {
			s = append(s, i.ID)
		}
		return s
	}
	for _, tc := range []struct {
		q    client.InstanceQuery
		want []string
	}{
		{client.InstanceQuery{ProgramID: "solar"}, []string{b.ID, a.ID}},
		{client.InstanceQuery{ProgramID: "nope"}, nil},
		{client.InstanceQuery{Statuses: []enroll.InstanceStatus{enroll.InstanceArchived, enroll.InstanceInactive}}, []string{w.ID, b.ID}},
		{client.InstanceQuery{ProgramID: "solar", Statuses: []enroll.InstanceStatus{enroll.InstanceActive}}, []string{a.ID}},
	} {
		pg := must[*enroll.Page[*enroll.ProgramInstance]](t)(c.ListInstances(ctx, tc.q))
		if got := ids(pg.Data); len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
			t.Errorf("ListInstances(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := ids(collect(t, c.AllInstances(ctx, client.InstanceQuery{ListOptions: client.ListOptions{PerPage: 1}}))); len(got) != 3 || got[0] != w.ID {
		t.Fatalf("AllInstances = %v", got)
	}

	pg := must[*enroll.Page[*enroll.ProgramInstance]](t)(c.ListInstancesOfProgram(ctx, "solar",
		client.InstanceQuery{Statuses: []enroll.InstanceStatus{enroll.InstanceArchived}}))
	if pg.TotalItems != 1 || pg.Data[0].ID != b.ID {
		t.Fatalf("ListInstancesOfProgram = %+v", pg)
	}
	if _, err := c.ListInstancesOfProgram(ctx, "nope", client.InstanceQuery{}); !client.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("instances of a program that does not exist: %v", err)
	}
	if _, err := c.ListInstancesOfProgram(ctx, "solar", client.InstanceQuery{ProgramID: "wind"}); !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("ListInstancesOfProgram with a programId: %v", err)
	}
	if got := ids(collect(t, c.AllInstancesOfProgram(ctx, "solar", client.InstanceQuery{ListOptions: client.ListOptions{PerPage: 1, Sort: "createdAt"}}))); len(got) != 2 || got[0] != a.ID {
		t.Fatalf("AllInstancesOfProgram = %v", got)
	}
}
