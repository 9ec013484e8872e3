package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/enrollhq/enroll"
)

// BenchmarkListEvents lists the newest page of events in a workspace where
// one instance (busy) holds 300,000 events and another (quiet) a few: as a
// key of the whole workspace, as a key limited to each instance, and, for
// the quiet one, polling with ?after= from its first event. A type the
// busy instance has one event of is read from the type's index. A
// poller of the whole workspace from its first event counts its backlog:
// polling again at one cursor, and catching up page after page.
func BenchmarkListEvents(b *testing.B) {
	s := newImportBench(b, "OFF")
	ctx := context.Background()
	s.run(b, importCSV(0, 100000), false, 0)
	quiet := s.quietInstance(b, 5)
	for {
		n, err := s.db.DispatchEvents(ctx, 10000, 0)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	first, err := s.db.ListEvents(ctx, s.a.WorkspaceID, enroll.EventFilter{InstanceIDs: []string{quiet.ID},
		ListParams: enroll.ListParams{PerPage: 500}})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    enroll.EventFilter
		want int
	}{
		{"workspace", enroll.EventFilter{}, 50},
		{"busy-instance", enroll.EventFilter{InstanceIDs: []string{s.inst.ID}}, 50},
		{"quiet-instance", enroll.EventFilter{InstanceIDs: []string{quiet.ID}}, 7},
		{"quiet-instance-type", enroll.EventFilter{InstanceIDs: []string{quiet.ID}, Types: []enroll.EventType{enroll.EventEnrollmentCreated}}, 5},
		{"busy-instance-rare-type", enroll.EventFilter{InstanceIDs: []string{s.inst.ID}, Types: []enroll.EventType{enroll.EventInstanceCreated}}, 1},
		{"workspace-after", enroll.EventFilter{After: first.Data[len(first.Data)-1].ID}, 50},
		{"quiet-instance-after", enroll.EventFilter{InstanceIDs: []string{quiet.ID}, After: first.Data[len(first.Data)-1].ID}, 6},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.f.PerPage = 50
			for b.Loop() {
				p, err := s.db.ListEvents(ctx, s.a.WorkspaceID, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Data) < c.want {
					b.Fatalf("%d events, want %d", len(p.Data), c.want)
				}
			}
		})
	}
	// A poller of the whole workspace catching up from its first event,
	// 500 events a poll (starting over at the end): each poll counts its
	// backlog from the last one's (enroll.Backlogs), or, uncached, whole.
	for _, cached := range []bool{true, false} {
		name := "workspace-walk"
		if !cached {
			name += "-uncached"
		}
		b.Run(name, func(b *testing.B) {
			start := first.Data[len(first.Data)-1].ID
			f := enroll.EventFilter{After: start, ListParams: enroll.ListParams{PerPage: 500}}
			for b.Loop() {
				if !cached {
					s.db.backlogs = enroll.Backlogs{}
				}
				p, err := s.db.ListEvents(ctx, s.a.WorkspaceID, f)
				if err != nil {
					b.Fatal(err)
				}
				f.After = start
				if len(p.Data) > 0 {
					f.After = p.Data[len(p.Data)-1].ID
				}
			}
		})
	}
}

// quietInstance adds to s's program an active instance without rules and
// n enrollments in it.
func (s *importBench) quietInstance(tb testing.TB, n int) *enroll.ProgramInstance {
	tb.Helper()
	ctx := context.Background()
	quiet := &enroll.ProgramInstance{ProgramID: s.inst.ProgramID, Slug: "quiet", Name: "Quiet", Status: enroll.InstanceActive}
	if err := s.db.CreateInstance(ctx, s.a, quiet); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		in := &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
			FirstName: "Quiet", LastName: "Participant", Email: fmt.Sprintf("quiet.%d@example.com", i)}
		if _, err := s.db.CreateEnrollment(ctx, s.a, quiet.ID, in); err != nil {
			tb.Fatal(err)
		}
	}
	return quiet
}
