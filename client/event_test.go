package client_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	ctx := context.Background()
	must[*enroll.Program](t)(c.CreateProgram(ctx, &client.ProgramCreate{Slug: "ev", Name: "Ev"}))
	inst := must[*enroll.ProgramInstance](t)(c.CreateInstance(ctx, "ev", &client.InstanceCreate{Slug: "i", Name: "I"}))
	e := must[*client.EnrollmentDetail](t)(c.CreateEnrollment(ctx, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "E", LastName: "Vent", Email: "event@example.com"}))
	must[*client.EnrollmentDetail](t)(c.UpdateEnrollment(ctx, e.ID, map[string]any{"notes": "n"}, ""))
	// Events are listed after an event once published.
	if _, err := s.db.DispatchEvents(ctx, 500, 0); err != nil {
		t.Fatal(err)
	}

	all := collect(t, c.AllEvents(ctx, client.EventQuery{ListOptions: client.ListOptions{PerPage: 2}}))
	if len(all) < 5 || all[len(all)-1].Type != enroll.EventProgramCreated {
		t.Fatalf("AllEvents = %d events, oldest %+v", len(all), all[len(all)-1])
	}
	pg := must[*enroll.Page[*enroll.Event]](t)(c.ListEvents(ctx, client.EventQuery{EnrollmentID: e.ID}))
	if pg.TotalItems < 2 || pg.Data[0].Type != enroll.EventEnrollmentUpdated || pg.Data[len(pg.Data)-1].Type != enroll.EventEnrollmentCreated {
		t.Fatalf("ListEvents of the enrollment = %+v", pg)
	}
	created := must[*enroll.Page[*enroll.Event]](t)(c.ListEvents(ctx, client.EventQuery{EnrollmentID: e.ID,
		Types: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventProgramCreated}}))
	if created.TotalItems != 1 || created.Data[0].Type != enroll.EventEnrollmentCreated {
		t.Fatalf("ListEvents of the enrollment by type = %+v", created)
	}
	// The newest: the notes' update, with their previous value.
	got := must[*enroll.Event](t)(c.GetEvent(ctx, pg.Data[0].ID))
	if prev, ok := got.Data.PreviousAttributes["notes"]; got.ID != pg.Data[0].ID || len(got.Data.Object) == 0 || !ok || prev != nil {
		t.Fatalf("GetEvent = %+v", got)
	}

	// After the oldest: every other event, oldest first, a page at a time.
	oldest := all[len(all)-1]
	after := collect(t, c.AllEvents(ctx, client.EventQuery{After: oldest.ID, ListOptions: client.ListOptions{PerPage: 1}}))
	want := slices.Clone(all[:len(all)-1])
	slices.Reverse(want)
	if len(after) != len(want) {
		t.Fatalf("AllEvents after the oldest = %d events, want %d", len(after), len(want))
	}
	for i := range want {
		if after[i].ID != want[i].ID {
			t.Fatalf("AllEvents after the oldest: event %d is %s, want %s", i, after[i].ID, want[i].ID)
		}
	}
	if _, err := c.ListEvents(ctx, client.EventQuery{Types: []enroll.EventType{"nope"}}); !client.IsStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("unknown type: %v", err)
	}
}
