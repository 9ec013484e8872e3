package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testEnrollmentDocs checks a store's enroll.EnrollmentDocReader: every
// page it answers is the page ListEnrollments answers, and every document
// FindEnrollmentDoc answers is FindEnrollment's enrollment, with each
// enrollment's document equal, byte for byte, to json.Marshal of the
// decoded enrollment (the API answers one in place of the other), for
// enrollments of every shape and through every sort, filter and page
// token; another workspace's enrollment is not found.
func testEnrollmentDocs(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	dl, ok := f.s.(enroll.EnrollmentDocReader)
	if !ok {
		t.Skipf("%T lists decoded enrollments only", f.s)
	}
	inst := f.instance(func(in *enroll.ProgramInstance) {
		in.EligibilityRules = []enroll.Rule{{Name: "ny", Expression: `has(enrollment.address) && enrollment.address.state == "NY"`, Reason: "Outside <service> area & more"}}
		in.Parameters = []enroll.Parameter{
			{ExternalID: "kw", Name: "kW", Type: enroll.ParamNumber},
			{ExternalID: "notes", Name: "Notes", Type: enroll.ParamString},
			{ExternalID: "spec", Name: "Spec", Type: enroll.ParamObject},
		}
		in.Groups = []enroll.Group{{ID: "g", Name: "G"}}
	})
	install := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.UTC)
	shapes := []func(*enroll.EnrollmentCreate){
		func(c *enroll.EnrollmentCreate) {},
		func(c *enroll.EnrollmentCreate) {
			c.FirstName, c.LastName = "Zoë <b>", "O'Brien & \u2028Sons"
			c.Address = &enroll.Address{StreetOne: "1 Main St", City: "Albany", State: "NY", PostalCode: "12207", Country: "US"}
			c.Tags, c.ManufacturerSlugs, c.GroupIDs = []string{"solar", "b<a>ttery"}, []string{"tesla"}, []string{"g"}
			c.Metadata = map[string]any{"z": 1e21, "a": 0.1, "big": 12345678901234567890.0, "nested": map[string]any{"k": []any{true, nil, "\x7f"}}}
			c.Parameters = []enroll.ParameterValue{{ExternalID: "kw", Value: 7.5}, {ExternalID: "notes", Value: "<script>"},
				{ExternalID: "spec", Value: map[string]any{"b": 2.0, "a": "x"}}}
			c.Devices = []enroll.Device{{ID: "d1", Type: "inverter", InstallDate: &install, Attributes: map[string]any{"phase": 3.0}}}
			c.ReferenceID, c.Notes, c.Assignee, c.SerialNumber = "ref-1", "line\nbreak\ttab", "ops@example.com", "SN-1"
		},
		func(c *enroll.EnrollmentCreate) {
			c.Address = &enroll.Address{State: "CA"}
			c.EnrollmentStartDate = &install
		},
	}
	for i := range 9 {
		e := f.enroll(inst, fmt.Sprintf("doc%d@example.com", i), shapes[i%len(shapes)])
		if i%4 == 1 && e.Eligibility.Status == enroll.StatusEligible {
			f.move(e, enroll.StatusSubmitted)
		}
	}
	f.enroll(f.instance(), "other@example.com")

	same := func(name string, flt enroll.EnrollmentFilter) {
		t.Helper()
		pages := 0
		for {
			want := must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, flt))
			got := must(dl.ListEnrollmentDocs(f.ctx, f.a.WorkspaceID, flt))
			if got.Page != want.Page || got.PerPage != want.PerPage || got.TotalItems != want.TotalItems ||
				got.TotalPages != want.TotalPages || got.NextPageToken != want.NextPageToken || len(got.Data) != len(want.Data) {
				t.Fatalf("%s page %d: docs page %+v, enrollments page %+v", name, pages, pageMeta(got), pageMeta(want))
			}
			for i, e := range want.Data {
				if b := must(json.Marshal(e)); !bytes.Equal(got.Data[i], b) {
					t.Fatalf("%s: document of %s\n got %s\nwant %s", name, e.ID, got.Data[i], b)
				}
			}
			if want.NextPageToken == "" {
				return
			}
			flt.PageToken, pages = string(want.NextPageToken), pages+1
		}
	}
	for _, sort := range enroll.EnrollmentSorts {
		same("instance by "+sort, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 2, Sort: sort}})
	}
	same("workspace", enroll.EnrollmentFilter{ListParams: enroll.ListParams{PerPage: 4}})
	same("offset page", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, ListParams: enroll.ListParams{PerPage: 4, Page: 1}})
	same("status", enroll.EnrollmentFilter{ProgramInstanceID: inst.ID, Statuses: []enroll.Status{enroll.StatusEligible, enroll.StatusSubmitted}})
	same("tag and q", enroll.EnrollmentFilter{Tag: "solar", Q: "o'b"})
	same("no match", enroll.EnrollmentFilter{Email: "nobody@example.com"})

	_, err := dl.ListEnrollmentDocs(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ListParams: enroll.ListParams{PageToken: "nope"}})
	wantCode(t, err, enroll.EINVALID)

	// One at a time, with what a reader decides by.
	for _, e := range must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{ProgramInstanceID: inst.ID})).Data {
		d := must(dl.FindEnrollmentDoc(f.ctx, f.a.WorkspaceID, e.ID))
		if b := must(json.Marshal(e)); !bytes.Equal(d.JSON, b) || d.ID != e.ID || d.ProgramInstanceID != inst.ID || d.ETag() != e.ETag() {
			t.Fatalf("FindEnrollmentDoc(%s) = %s %s %s\nwant %s %s", e.ID, d.ProgramInstanceID, d.ETag(), d.JSON, e.ETag(), b)
		}
	}
	_, err = dl.FindEnrollmentDoc(f.ctx, f.a.WorkspaceID, enroll.NewID())
	wantCode(t, err, enroll.ENOTFOUND)
	other := newFixtureOn(t, f.s)
	_, err = dl.FindEnrollmentDoc(other.ctx, other.a.WorkspaceID, must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, enroll.EnrollmentFilter{})).Data[0].ID)
	wantCode(t, err, enroll.ENOTFOUND)
}

// pageMeta is a page without its items, for messages.
func pageMeta[T any](p *enroll.Page[T]) string {
	return fmt.Sprintf("{page %d perPage %d total %d pages %d next %q items %d}", p.Page, p.PerPage, p.TotalItems, p.TotalPages, p.NextPageToken, len(p.Data))
}
