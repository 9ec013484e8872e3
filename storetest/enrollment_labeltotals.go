package storetest

import (
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
)

// testEnrollmentLabelTotals checks the totalItems of lists filtered by one
// label, which stores may keep counters of, against a count of the
// enrollments after every kind of write that changes an enrollment's
// labels or status: creates, label updates, status changes, both at once,
// a delete, re-enrollments, an import's planned rows, its rows written
// one at a time, and a dry run, which must change nothing. Each label is
// listed in every scope (workspace, instance, a key's instances, an
// instance outside the key's) with no status, one, and two.
func testEnrollmentLabelTotals(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	groups := func(in *enroll.ProgramInstance) {
		in.AutoEvaluate = false
		in.Groups = []enroll.Group{{ID: "north", Name: "North"}, {ID: "south", Name: "South"}}
	}
	inst, other := f.instance(groups), f.instance(groups)
	is := importStore(t, f.s)
	labels := []enroll.EnrollmentFilter{{Tag: "vip"}, {Tag: "solar"}, {Tag: "b"}, {ManufacturerSlug: "lg"},
		{ManufacturerSlug: "tesla"}, {GroupID: "north"}, {GroupID: "south"}}
	scopes := []enroll.EnrollmentFilter{{}, {ProgramInstanceID: inst.ID}, {ProgramInstanceIDs: []string{other.ID}},
		{ProgramInstanceIDs: []string{inst.ID, other.ID}}, {ProgramInstanceID: inst.ID, ProgramInstanceIDs: []string{other.ID}}}
	statuses := [][]enroll.Status{nil, {enroll.StatusCandidate}, {enroll.StatusEligible, enroll.StatusApproved}}
	check := func(step string) {
		t.Helper()
		all := enroll.EnrollmentFilter{}
		all.PerPage = 500
		pg, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, all)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range labels {
			for _, sc := range scopes {
				for _, st := range statuses {
					flt := l
					flt.ProgramInstanceID, flt.ProgramInstanceIDs, flt.Statuses = sc.ProgramInstanceID, sc.ProgramInstanceIDs, st
					want := 0
					for _, x := range pg.Data {
						if matchesLabelFilter(x, flt) {
							want++
						}
					}
					flt.PerPage = 1
					got, err := f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt)
					if err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					if got.TotalItems != want {
						t.Errorf("after %s: tag %q manufacturer %q group %q, instance %q, instances %v, statuses %v: totalItems %d, want %d",
							step, flt.Tag, flt.ManufacturerSlug, flt.GroupID, flt.ProgramInstanceID, flt.ProgramInstanceIDs, flt.Statuses, got.TotalItems, want)
					}
				}
			}
		}
	}
	labelled := func(in *enroll.ProgramInstance, email string, tags, mfrs, grps []string) *enroll.Enrollment {
		return f.enroll(in, email, func(c *enroll.EnrollmentCreate) {
			c.Tags, c.ManufacturerSlugs, c.GroupIDs = tags, mfrs, grps
		})
	}
	a := labelled(inst, "a@example.com", []string{"vip", "solar"}, []string{"tesla"}, []string{"north"})
	b := labelled(inst, "b@example.com", []string{"solar"}, []string{"tesla", "lg"}, nil)
	c := labelled(inst, "c@example.com", nil, nil, []string{"south"})
	d := labelled(other, "d@example.com", []string{"vip"}, []string{"lg"}, []string{"north"})
	e := labelled(inst, "e@example.com", []string{"vip"}, nil, nil)
	check("creates")

	update := func(en *enroll.Enrollment, m func(*enroll.Enrollment)) *enroll.Enrollment {
		t.Helper()
		return must(f.s.UpdateEnrollment(f.ctx, f.a, en.ID, func(x *enroll.Enrollment) error { m(x); return nil }))
	}
	update(a, func(x *enroll.Enrollment) { x.Tags = []string{"solar", "b"} })
	update(c, func(x *enroll.Enrollment) { x.Tags, x.ManufacturerSlugs = []string{"vip"}, []string{"lg"} })
	update(b, func(x *enroll.Enrollment) { x.GroupIDs, x.ManufacturerSlugs = []string{"north", "south"}, nil })
	check("label updates")

	f.move(b, enroll.StatusEligible)
	d = f.move(f.move(f.move(d, enroll.StatusEligible), enroll.StatusSubmitted), enroll.StatusApproved)
	check("status changes")

	update(a, func(x *enroll.Enrollment) {
		x.SetStatus(enroll.StatusEligible, "and labels")
		x.Tags, x.GroupIDs = []string{"vip"}, []string{"south"}
	})
	check("a status and labels changed at once")

	if err := f.s.DeleteEnrollment(f.ctx, f.a, e.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("a delete")

	// Re-enrollments copy the labels of the enrollment they continue.
	f.move(d, enroll.StatusUnenrolled)
	must(f.s.CreateEnrollment(f.ctx, f.a, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: d.ID}))
	must(f.s.CreateEnrollment(f.ctx, f.a, other.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByEnrollmentID, EnrollmentID: a.ID}))
	check("re-enrollments")

	// Planned rows (customerInfo), then rows written one at a time
	// (reenroll false), then a dry run, which writes nothing.
	runImport(f, is, inst, "csv", "firstName,lastName,email,tags,manufacturerSlugs,groupIds\n"+
		"Im,One,i1@example.com,vip|b,lg,north\nIm,Two,i2@example.com,,,\nIm,Three,i3@example.com,solar,tesla|lg,south\n", false, 0)
	check("an import")
	runImport(f, is, other, "csv", "firstName,lastName,email,tags,groupIds,reenroll\n"+
		"Im,Four,i4@example.com,vip|solar,south,false\nIm,Five,i5@example.com,b,,false\n", false, 0)
	check("an import of rows one at a time")
	runImport(f, is, inst, "csv", "firstName,lastName,email,tags,groupIds,reenroll\n"+
		"Im,Six,i6@example.com,vip,north,\nIm,Seven,i7@example.com,vip,north,false\n", true, 0)
	check("a dry run")
}

// matchesLabelFilter reports whether x is in the list of flt, a filter of
// instances, statuses and labels only.
func matchesLabelFilter(x *enroll.Enrollment, flt enroll.EnrollmentFilter) bool {
	if flt.ProgramInstanceID != "" && x.ProgramInstanceID != flt.ProgramInstanceID ||
		len(flt.ProgramInstanceIDs) > 0 && !slices.Contains(flt.ProgramInstanceIDs, x.ProgramInstanceID) ||
		len(flt.Statuses) > 0 && !slices.Contains(flt.Statuses, x.Eligibility.Status) {
		return false
	}
	for _, l := range [...]struct {
		v    string
		list []string
	}{{flt.Tag, x.Tags}, {flt.ManufacturerSlug, x.ManufacturerSlugs}, {flt.GroupID, x.GroupIDs}} {
		if l.v != "" && !slices.Contains(l.list, l.v) {
			return false
		}
	}
	return true
}
