package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func TestProgramFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ctx := context.Background()
	active, inactive := true, false
	for i := range 5 {
		must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: fmt.Sprintf("p%d", i), Name: "P", Active: &active}))
	}
	off := must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "off", Name: "Off", Active: &inactive}))

	if pg := must[*enroll.Page[*enroll.Program]](t)(c.ListPrograms(ctx, client.ProgramQuery{Active: &inactive})); pg.TotalItems != 1 || pg.Data[0].ID != off.ID {
		t.Fatalf("inactive programs = %+v", pg)
	}
	if pg := must[*enroll.Page[*enroll.Program]](t)(c.ListPrograms(ctx, client.ProgramQuery{})); pg.TotalItems != 6 {
		t.Fatalf("every program = %+v", pg)
	}
	// Pages of 2, oldest first, from the second page on: the token goes on
	// from where offset paging started.
	got := collect(t, c.AllPrograms(ctx, client.ProgramQuery{Active: &active, ListOptions: client.ListOptions{PerPage: 2, Page: 1, Sort: "createdAt"}}))
	var slugs []string
	for _, p := range got {
		slugs = append(slugs, p.Slug)
	}
	if fmt.Sprint(slugs) != "[p2 p3 p4]" {
		t.Fatalf("AllPrograms from page 1 = %v", slugs)
	}
	// Breaking out of the loop stops the requests.
	n := 0
	for p, err := range c.AllPrograms(ctx, client.ProgramQuery{ListOptions: client.ListOptions{PerPage: 1}}) {
		if err != nil || p == nil {
			t.Fatal(p, err)
		}
		if n++; n == 2 {
			break
		}
	}
}
