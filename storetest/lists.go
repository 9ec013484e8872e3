package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/namekey"
)

// ExerciseListTotals checks lists whose totals or order a store reads
// other than by counting and sorting their rows (counters, per-instance
// reads): each against the rows the list itself gives page after page.
// Both stores run it beside Exercise.
func ExerciseListTotals(t *testing.T, newStore Factory) {
	t.Run("DeliveryTotals", func(t *testing.T) { t.Parallel(); testDeliveryTotals(t, newStore) })
	ExerciseListOrder(t, newStore)
}

// ExerciseListOrder checks the order of enrollment lists across
// instances, in every sort (storetest.ExerciseListTotals runs it; a store
// may run it again with settings of its own, such as SQLite's with no
// status few enough to sort).
func ExerciseListOrder(t *testing.T, newStore Factory) {
	t.Run("ListOrder", func(t *testing.T) { t.Parallel(); testListOrder(t, newStore) })
}

// testListOrder checks that enrollment lists in three instances (two of
// one program), by every sort, across the workspace, a key's instances
// or one instance, with no filter, statuses or a tag, give the
// enrollments the filter matches in the sort's order (lastName: the
// names' keys, then ids; times, then ids), whole and once: their keyset
// pages read in one snapshot without totals, as an export reads them, and
// on their own, their offset pages, and their totals. The names repeat
// across the instances, differ by case and accents, and some are empty.
func testListOrder(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	a := f.instance(noAutoEvaluate)
	b, c := f.sibling(a, noAutoEvaluate), f.instance(noAutoEvaluate)
	names := []string{"Smith", "smith", "Émile", "emile", "Zoe", "", "van der Berg", "Øster", "Oster", "Muller", "Müller", "Mullers", "a", "ZZ"}
	statuses := []enroll.Status{enroll.StatusCandidate, enroll.StatusEligible, enroll.StatusIneligible}
	var all []*enroll.Enrollment
	for i := range 42 {
		inst := []*enroll.ProgramInstance{a, a, b, c}[i%4]
		e := f.enroll(inst, fmt.Sprintf("order%d@example.com", i), func(in *enroll.EnrollmentCreate) {
			in.LastName = names[i%len(names)]
			if in.LastName == "" {
				in.LastName = "-"
			}
			if i%3 == 0 {
				in.Tags = []string{"odd"}
			}
		})
		if s := statuses[i%len(statuses)]; s != enroll.StatusCandidate {
			e = f.move(e, s)
		}
		all = append(all, e)
	}
	key := map[string]func(x, y *enroll.Enrollment) int{
		enroll.SortLastName: func(x, y *enroll.Enrollment) int {
			return cmp.Or(cmp.Compare(namekey.Of(x.LastName), namekey.Of(y.LastName)), cmp.Compare(x.ID, y.ID))
		},
		enroll.SortCreatedAsc: func(x, y *enroll.Enrollment) int {
			return cmp.Or(x.CreatedAt.Compare(y.CreatedAt), cmp.Compare(x.ID, y.ID))
		},
		enroll.SortUpdatedAsc: func(x, y *enroll.Enrollment) int {
			return cmp.Or(x.UpdatedAt.Compare(y.UpdatedAt), cmp.Compare(x.ID, y.ID))
		},
	}
	key[enroll.SortCreatedDesc] = func(x, y *enroll.Enrollment) int { return key[enroll.SortCreatedAsc](y, x) }
	key[enroll.SortUpdatedDesc] = func(x, y *enroll.Enrollment) int { return key[enroll.SortUpdatedAsc](y, x) }
	// The enrollments as stored (times as the store keeps them).
	for i, e := range all {
		all[i] = must(f.s.FindEnrollment(f.ctx, f.a.WorkspaceID, e.ID))
	}
	for _, sc := range []struct {
		name string
		f    enroll.EnrollmentFilter
		in   func(e *enroll.Enrollment) bool
	}{
		{"workspace", enroll.EnrollmentFilter{}, func(*enroll.Enrollment) bool { return true }},
		{"eligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusEligible}},
			func(e *enroll.Enrollment) bool { return e.Eligibility.Status == enroll.StatusEligible }},
		{"eligible, ineligible", enroll.EnrollmentFilter{Statuses: []enroll.Status{enroll.StatusIneligible, enroll.StatusEligible}},
			func(e *enroll.Enrollment) bool { return e.Eligibility.Status != enroll.StatusCandidate }},
		{"tag", enroll.EnrollmentFilter{Tag: "odd"}, func(e *enroll.Enrollment) bool { return len(e.Tags) > 0 }},
		{"key's instances", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{b.ID, a.ID}},
			func(e *enroll.Enrollment) bool { return e.ProgramInstanceID != c.ID }},
		{"key's instances, eligible", enroll.EnrollmentFilter{ProgramInstanceIDs: []string{c.ID, b.ID}, Statuses: []enroll.Status{enroll.StatusEligible}},
			func(e *enroll.Enrollment) bool {
				return e.ProgramInstanceID != a.ID && e.Eligibility.Status == enroll.StatusEligible
			}},
		{"instance", enroll.EnrollmentFilter{ProgramInstanceID: a.ID}, func(e *enroll.Enrollment) bool { return e.ProgramInstanceID == a.ID }},
	} {
		for _, sort := range enroll.EnrollmentSorts {
			var want []string
			for _, e := range slices.SortedFunc(slices.Values(all), key[sort]) {
				if sc.in(e) {
					want = append(want, e.ID)
				}
			}
			name := sc.name + ", sort=" + sort
			filter := sc.f
			filter.Sort = sort
			// Keyset pages, in a snapshot without totals (an export) and
			// on their own.
			for _, snapshot := range []bool{true, false} {
				fl := filter
				fl.PerPage, fl.NoTotal = 4, snapshot
				ctx, release := f.ctx, func() {}
				if snapshot {
					var err error
					if ctx, release, err = f.s.Snapshot(f.ctx); err != nil {
						t.Fatal(err)
					}
				}
				var got []string
				for {
					pg := must(f.s.ListEnrollments(ctx, f.a.WorkspaceID, fl))
					for _, e := range pg.Data {
						got = append(got, e.ID)
					}
					if !snapshot && pg.TotalItems != len(want) {
						t.Errorf("%s: totalItems %d, want %d", name, pg.TotalItems, len(want))
					}
					if pg.NextPageToken == "" || len(got) > len(all) {
						break
					}
					fl.PageToken = string(pg.NextPageToken)
				}
				release()
				if !slices.Equal(got, want) {
					t.Errorf("%s (snapshot %v): keyset pages give\n%v, want\n%v", name, snapshot, got, want)
				}
			}
			// Offset pages.
			var got []string
			for p := 0; p*5 < len(want)+5; p++ {
				fl := filter
				fl.Page, fl.PerPage = p, 5
				for _, e := range must(f.s.ListEnrollments(f.ctx, f.a.WorkspaceID, fl)).Data {
					got = append(got, e.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: offset pages give\n%v, want\n%v", name, got, want)
			}
		}
	}
}

// testDeliveryTotals checks the totalItems of endpoints' deliveries lists,
// unfiltered and by each status, through what moves a delivery in or out
// of them: a dispatch, finished attempts (succeeded, retried, failed for
// good, in one batch and one at a time), a redelivery, an endpoint's
// delete and the retention's sweep. Each total is the number of
// deliveries the unfiltered list holds in that status, read page by page.
func testDeliveryTotals(t *testing.T, newStore Factory) {
	f := newWebhookFixture(t, newStore)
	f.dispatchAll()
	ok, retry, gone, doomed := f.endpoint(), f.endpoint(), f.endpoint(), f.endpoint()
	inst := f.instance(noAutoEvaluate)
	for i := range 6 {
		f.enroll(inst, fmt.Sprintf("total%d@example.com", i))
	}
	f.dispatchAll()
	eps := []*enroll.WebhookEndpoint{ok, retry, gone, doomed}
	check := func(step string, eps ...*enroll.WebhookEndpoint) {
		t.Helper()
		for _, ep := range eps {
			all := map[enroll.DeliveryStatus]int{}
			n, token := 0, ""
			for {
				pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{ListParams: enroll.ListParams{PerPage: 4, PageToken: token}}))
				for _, d := range pg.Data {
					all[d.Status]++
					n++
				}
				if token == "" && pg.TotalItems != 0 && n == 0 {
					t.Fatalf("%s: endpoint %s: an empty first page of %d", step, ep.ID, pg.TotalItems)
				}
				if pg.NextPageToken == "" {
					break
				}
				token = string(pg.NextPageToken)
			}
			for _, s := range []enroll.DeliveryStatus{"", enroll.DeliveryPending, enroll.DeliverySucceeded, enroll.DeliveryFailed} {
				want := all[s]
				if s == "" {
					want = n
				}
				pg := must(f.ws.ListWebhookDeliveries(f.ctx, f.a.WorkspaceID, ep.ID, enroll.DeliveryFilter{Status: s, ListParams: enroll.ListParams{PerPage: 1}}))
				if pg.TotalItems != want {
					t.Errorf("%s: endpoint %s, status %q: totalItems %d, want %d", step, ep.ID, s, pg.TotalItems, want)
				}
			}
		}
	}
	check("dispatched", eps...)
	if f.deliveries(ok)[0].Status != enroll.DeliveryPending || len(f.deliveries(ok)) < 6 {
		t.Fatalf("dispatched: %d deliveries to the endpoint, want 6 or more, pending", len(f.deliveries(ok)))
	}
	// Every delivery but one of each endpoint's in one batch; that one
	// alone afterwards.
	jobs := must(f.ws.ClaimWebhookDeliveries(f.ctx, time.Minute, 500, 500, 500))
	check("claimed", eps...)
	now := time.Now()
	var done, later []enroll.DeliveryResult
	seen := map[string]bool{}
	for _, j := range jobs {
		at := enroll.DeliveryAttempt{At: now, StatusCode: 200}
		switch j.Delivery.EndpointID {
		case retry.ID:
			at.StatusCode = 503
		case gone.ID:
			at.StatusCode = 400
			at.At = j.Delivery.CreatedAt.Add(enroll.DeliveryRetryWindow + time.Minute) // past the retries: failed for good
		}
		r := enroll.DeliveryResult{Job: j, Outcome: enroll.DecideOutcome(j.Delivery, at, nil)}
		if !seen[j.Delivery.EndpointID] {
			seen[j.Delivery.EndpointID] = true
			later = append(later, r)
			continue
		}
		done = append(done, r)
	}
	if err := f.ws.FinishWebhookDeliveries(f.ctx, done); err != nil {
		t.Fatal(err)
	}
	check("finished in a batch", eps...)
	for _, r := range later {
		if _, err := f.ws.FinishWebhookDelivery(f.ctx, r.Job, r.Outcome); err != nil {
			t.Fatal(err)
		}
	}
	check("finished one by one", eps...)
	if f.deliveries(gone)[0].Status != enroll.DeliveryFailed || f.deliveries(ok)[0].Status != enroll.DeliverySucceeded {
		t.Fatalf("finished: deliveries %s and %s, want failed and succeeded", f.deliveries(gone)[0].Status, f.deliveries(ok)[0].Status)
	}
	if _, err := f.ws.RedeliverWebhook(f.ctx, f.a, ok.ID, f.deliveries(ok)[0].ID); err != nil {
		t.Fatal(err)
	}
	check("redelivered", eps...)
	if err := f.ws.DeleteWebhookEndpoint(f.ctx, f.a, doomed.ID, nil); err != nil {
		t.Fatal(err)
	}
	// A new endpoint (whose deliveries are none) besides those left.
	check("an endpoint deleted", ok, retry, gone, f.endpoint())
	if _, err := f.ws.DeleteExpiredEvents(f.ctx, 0); err != nil {
		t.Fatal(err)
	}
	check("expired", ok, retry, gone)
	if n := len(f.deliveries(gone)); n != 0 {
		t.Fatalf("expired: %d deliveries failed for good left, want none", n)
	}
}
