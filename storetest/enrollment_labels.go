package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentLabels checks the tag, manufacturerSlug and groupId
// filters after every write that changes an enrollment's labels (create,
// updates adding and removing values, a status change, delete, an
// import), with values that hold control characters and with many
// values: each list, in every sort, paged one row at a time, must be the
// unfiltered list of the same sort with the enrollments not holding the
// value left out, and its totalItems their number.
func testEnrollmentLabels(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	groups := func(in *enroll.ProgramInstance) {
		in.AutoEvaluate = false
		in.Groups = []enroll.Group{{ID: "north", Name: "North"}, {ID: "south", Name: "South"}}
	}
	inst, other := f.instance(groups), f.instance(groups)
	labelled := func(in *enroll.ProgramInstance, email string, tags, mfrs, grps []string) *enroll.Enrollment {
		return f.enroll(in, email, func(c *enroll.EnrollmentCreate) {
			c.LastName = "L" + email
			c.Tags, c.ManufacturerSlugs, c.GroupIDs = tags, mfrs, grps
		})
	}
	a := labelled(inst, "a@example.com", []string{"vip", "solar"}, []string{"tesla"}, []string{"north"})
	b := labelled(inst, "b@example.com", []string{"solar"}, []string{"tesla", "lg"}, nil)
	c := labelled(inst, "c@example.com", nil, nil, []string{"south"})
	labelled(other, "d@example.com", []string{"vip"}, []string{"lg"}, []string{"north"})
	e := labelled(inst, "e@example.com", []string{"vip"}, nil, nil)
	// Values holding a control character (SQLite's labels column
	// separates values with \x1f: these put "vip"'s and "lg"'s tokens in
	// it, which the exact check must refuse), and more values than that
	// column holds (there NULL: the filters read the document).
	labelled(inst, "f@example.com", []string{"x\x1ft:vip"}, []string{"lg\x1f"}, nil)
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("%030d", i))
	}
	labelled(other, "g@example.com", append(many, "vip"), nil, []string{"south"})
	update := func(en *enroll.Enrollment, m func(*enroll.Enrollment)) {
		t.Helper()
		must(f.s.UpdateEnrollment(f.ctx, f.a, en.ID, func(x *enroll.Enrollment) error { m(x); return nil }))
	}
	// Values added, removed, replaced; a status change; a delete.
	update(a, func(x *enroll.Enrollment) { x.Tags = []string{"solar"} })
	update(c, func(x *enroll.Enrollment) { x.Tags, x.ManufacturerSlugs = []string{"vip"}, []string{"enphase"} })
	update(b, func(x *enroll.Enrollment) {
		x.GroupIDs = []string{"north", "south"}
		x.ManufacturerSlugs = []string{"lg"}
	})
	f.move(b, enroll.StatusEligible)
	if err := f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil); err != nil {
		t.Fatal(err)
	}
	// An import: rows with tags (a|b) and without.
	runImport(f, importStore(t, f.s), inst, "csv", "firstName,lastName,email,tags\n"+
		"Im,One,i1@example.com,vip|b\nIm,Two,i2@example.com,\nIm,Three,i3@example.com,solar\n", false, 0)

	has := func(vals []string, v string) bool { return slices.Contains(vals, v) }
	for _, c := range []struct {
		name string
		f    enroll.EnrollmentFilter
		keep func(*enroll.Enrollment) bool
	}{
		{"tag vip", enroll.EnrollmentFilter{Tag: "vip"}, func(x *enroll.Enrollment) bool { return has(x.Tags, "vip") }},
		{"tag vip, instance", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Tag: "vip"}, func(x *enroll.Enrollment) bool { return has(x.Tags, "vip") }},
		{"tag solar, keyed instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{inst.ID, other.ID}, Tag: "solar"}, func(x *enroll.Enrollment) bool { return has(x.Tags, "solar") }},
		{"tag none", enroll.EnrollmentFilter{Tag: "nope"}, func(*enroll.Enrollment) bool { return false }},
		{"manufacturer lg", enroll.EnrollmentFilter{ManufacturerSlug: "lg"}, func(x *enroll.Enrollment) bool { return has(x.ManufacturerSlugs, "lg") }},
		{"manufacturer tesla, instance", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ManufacturerSlug: "tesla"}, func(x *enroll.Enrollment) bool { return has(x.ManufacturerSlugs, "tesla") }},
		{"group south", enroll.EnrollmentFilter{GroupID: "south"}, func(x *enroll.Enrollment) bool { return has(x.GroupIDs, "south") }},
		{"group north, status eligible", enroll.EnrollmentFilter{GroupID: "north", Statuses: []enroll.Status{enroll.StatusEligible}},
			func(x *enroll.Enrollment) bool {
				return has(x.GroupIDs, "north") && x.Eligibility.Status == enroll.StatusEligible
			}},
		{"tag and group", enroll.EnrollmentFilter{Tag: "vip", GroupID: "north"}, func(x *enroll.Enrollment) bool { return has(x.Tags, "vip") && has(x.GroupIDs, "north") }},
		{"tag and q", enroll.EnrollmentFilter{Tag: "solar", Q: "im"}, func(x *enroll.Enrollment) bool {
			return has(x.Tags, "solar") && strings.HasPrefix(strings.ToLower(x.FirstName), "im")
		}},
	} {
		for _, sort := range enroll.EnrollmentSorts {
			// The unfiltered list in the same scope and sort, kept by c.keep.
			all := enroll.EnrollmentFilter{ProgramInstanceID: c.f.ProgramInstanceID, ProgramInstanceIDs: c.f.ProgramInstanceIDs}
			all.Sort, all.PerPage = sort, 100
			pg, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, all)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, x := range pg.Data {
				if c.keep(x) {
					want = append(want, x.ID)
				}
			}
			flt := c.f
			flt.Sort, flt.PerPage = sort, 1
			var got []string
			for pages := 0; pages < 20; pages++ {
				pg, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if pg.TotalItems != len(want) {
					t.Errorf("%s, sort %s: totalItems %d, want %d", c.name, sort, pg.TotalItems, len(want))
				}
				for _, x := range pg.Data {
					got = append(got, x.ID)
				}
				if pg.NextPageToken == "" {
					break
				}
				flt.PageToken = string(pg.NextPageToken)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, sort %s: got %v, want %v", c.name, sort, got, want)
			}
		}
	}
	if ic, ok := f.s.(interface {
		IntegrityCheck(ctx context.Context) error
	}); ok {
		if err := ic.IntegrityCheck(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
}
