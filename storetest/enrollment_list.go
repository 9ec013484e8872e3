package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func testEnrollmentList(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	inst := f.instance(noAutoEvaluate, func(in *enroll.ProgramInstance) { in.Groups = []enroll.Group{{ID: "g", Name: "G"}} })
	other := f.instance(noAutoEvaluate)
	var all []*enroll.Enrollment
	start := time.Now().Add(-time.Second)
	for i := range 23 {
		e := f.enroll(inst, fmt.Sprintf("p%02d@example.com", i), func(c *enroll.EnrollmentCreate) {
			c.LastName = fmt.Sprintf("Name%02d", 22-i)
			c.ReferenceID = fmt.Sprintf("ref-%02d", i)
			if i%2 == 0 {
				c.Tags, c.ManufacturerSlugs, c.GroupIDs = []string{"even"}, []string{"tesla"}, []string{"g"}
			}
		})
		if i%3 == 0 {
			e = f.move(e, enroll.StatusEligible)
		}
		all = append(all, e)
	}
	f.enroll(other, "elsewhere@example.com")

	// Keyset paging visits every row once, in order, for every sort.
	for _, sort := range enroll.EnrollmentSorts {
		var seen []string
		p := enroll.ListParams{PerPage: 5, Sort: sort}
		for pages := 0; ; pages++ {
			pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: p}))
			if pg.TotalItems != 23 || pg.TotalPages != 5 || pg.PerPage != 5 || pg.Page != pages {
				t.Fatalf("%s page %d: total %d pages %d page %d", sort, pages, pg.TotalItems, pg.TotalPages, pg.Page)
			}
			for _, e := range pg.Data {
				seen = append(seen, e.ID)
			}
			if pg.NextPageToken == "" {
				break
			}
			p.PageToken = string(pg.NextPageToken)
		}
		if len(seen) != 23 || len(slices.Compact(slices.Clone(seen))) != 23 {
			t.Fatalf("%s: saw %d rows", sort, len(seen))
		}
		offset := make([]string, 0, 23)
		for page := 0; page < 5; page++ {
			pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID,
				ListParams: enroll.ListParams{PerPage: 5, Page: page, Sort: sort}}))
			for _, e := range pg.Data {
				offset = append(offset, e.ID)
			}
		}
		if !slices.Equal(seen, offset) {
			t.Fatalf("%s: keyset and offset paging disagree", sort)
		}
		if sort == enroll.SortLastName && seen[0] != all[22].ID {
			t.Fatalf("lastName sort starts with %s", seen[0])
		}
		if sort == enroll.SortCreatedDesc && seen[0] != all[22].ID {
			t.Fatalf("-createdAt sort starts with %s", seen[0])
		}
	}

	// count returns the filter's totalItems, once its page (all of them:
	// fewer than perPage) agrees.
	count := func(flt enroll.EnrollmentFilter) int {
		t.Helper()
		pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt))
		if len(pg.Data) != pg.TotalItems {
			t.Errorf("%+v: %d on the page, totalItems %d", flt, len(pg.Data), pg.TotalItems)
		}
		return pg.TotalItems
	}
	later := time.Now().Add(time.Hour)
	for name, c := range map[string]struct {
		f    enroll.EnrollmentFilter
		want int
	}{
		"workspace":     {enroll.EnrollmentFilter{}, 24},
		"instance":      {enroll.EnrollmentFilter{ProgramInstanceID: inst.ID}, 23},
		"instances":     {enroll.EnrollmentFilter{ProgramInstanceIDs: []string{other.ID}}, 1},
		"both":          {enroll.EnrollmentFilter{ProgramInstanceIDs: []string{other.ID, inst.ID}}, 24},
		"one of them":   {enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ProgramInstanceIDs: []string{other.ID, inst.ID}}, 23},
		"none of them":  {enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ProgramInstanceIDs: []string{other.ID}}, 0},
		"one status":    {enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst.ID}, Statuses: []enroll.Status{enroll.StatusCandidate}}, 15},
		"status":        {enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: []enroll.Status{enroll.StatusEligible}}, 8},
		"statuses":      {enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusEligible, enroll.StatusCandidate}}, 24},
		"customer":      {enroll.EnrollmentFilter{CustomerID: all[4].CustomerID}, 1},
		"reference":     {enroll.EnrollmentFilter{ReferenceID: "ref-07"}, 1},
		"email":         {enroll.EnrollmentFilter{Email: "P07@EXAMPLE.COM"}, 1},
		"tag":           {enroll.EnrollmentFilter{Tag: "even"}, 12},
		"manufacturer":  {enroll.EnrollmentFilter{ManufacturerSlug: "tesla"}, 12},
		"group":         {enroll.EnrollmentFilter{GroupID: "g"}, 12},
		"createdAfter":  {enroll.EnrollmentFilter{CreatedAfter: &start}, 24},
		"createdBefore": {enroll.EnrollmentFilter{CreatedBefore: &start}, 0},
		"updatedAfter":  {enroll.EnrollmentFilter{UpdatedAfter: &later}, 0},
		"q name":        {enroll.EnrollmentFilter{Q: "name0"}, 10},
		"q email":       {enroll.EnrollmentFilter{Q: "P1"}, 10},
		"q reference":   {enroll.EnrollmentFilter{Q: "ref-2"}, 3},
		"q wildcard":    {enroll.EnrollmentFilter{Q: "%"}, 0},
		"combined":      {enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: []enroll.Status{enroll.StatusEligible}, Tag: "even"}, 4},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: totalItems %d, want %d", name, got, c.want)
		}
	}

	// Tokens are bound to their query; bad paging is EINVALID.
	pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 5}}))
	for name, flt := range map[string]enroll.EnrollmentFilter{
		"other filter": {ProgramInstanceID: other.ID, ListParams: enroll.ListParams{PageToken: string(pg.NextPageToken)}},
		"other sort":   {ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PageToken: string(pg.NextPageToken), Sort: enroll.SortLastName}},
		"garbage":      {ListParams: enroll.ListParams{PageToken: "!!!"}},
		"perPage":      {ListParams: enroll.ListParams{PerPage: 501}},
		"negative":     {ListParams: enroll.ListParams{Page: -1}},
		"sort":         {ListParams: enroll.ListParams{Sort: "email"}},
		"status":       {Statuses: []enroll.Status{"done"}},
	} {
		_, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt)
		if enroll.ErrorCode(err) != enroll.EINVALID {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
	// List items carry their version, so their ETag is the one GET answers.
	for _, e := range must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID})).Data {
		if got := must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID)); e.Version == 0 || e.ETag() != got.ETag() {
			t.Fatalf("list item %s has ETag %s, GET has %s", e.ID, e.ETag(), got.ETag())
		}
	}
	if pg := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ListParams: enroll.ListParams{Page: 100}})); len(pg.Data) != 0 || pg.Data == nil {
		t.Fatalf("a page past the end must be empty, not null: %+v", pg.Data)
	}
}
