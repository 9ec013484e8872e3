package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// ImportStale checks how FindImport reads a job whose process stopped: a
// job quiet for enroll.ImportStaleAfter reads as failed, finished at its
// last progress, so that its time and rate are its own; a job that was
// merely slow reads as running again, unfinished, at its next batch.
// It needs the store's clock, which advance moves forward, so the
// stores' own tests run it on a store they build with one.
func ImportStale(t *testing.T, s enroll.Store, advance func(time.Duration)) {
	t.Helper()
	f := newFixtureOn(t, s)
	is, ok := s.(enroll.ImportStore)
	if !ok {
		t.Skip("the store does not import")
	}
	inst := f.instance()
	find := func(id string) *enroll.Import {
		t.Helper()
		return must(is.FindImport(f.ctx, f.a.WorkspaceID, id))
	}
	wantFailedAt := func(got *enroll.Import, at time.Time) {
		t.Helper()
		if got.Status != enroll.ImportFailed || !strings.Contains(got.Message, "Run the same file again") {
			t.Fatalf("a job quiet for %v: %s %q", enroll.ImportStaleAfter, got.Status, got.Message)
		}
		if got.FinishedAt == nil || !got.FinishedAt.Equal(at) || !got.UpdatedAt.Equal(at) {
			t.Fatalf("a stale job: finishedAt %v, updatedAt %v, want both %v (its last progress)", got.FinishedAt, got.UpdatedAt, at)
		}
	}

	// A running job that stops after its first batch.
	im := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatCSV, TotalRows: 3}
	if err := is.CreateImport(f.ctx, f.a, im); err != nil {
		t.Fatal(err)
	}
	advance(time.Second)
	bad := []*enroll.ImportRow{{Row: 2, Errors: []enroll.ImportError{{Row: 2, Field: "email", Message: "must be an email address"}}}}
	if _, err := is.ImportEnrollments(f.ctx, f.a, im.ID, bad); err != nil {
		t.Fatal(err)
	}
	running := find(im.ID)
	if running.Status != enroll.ImportRunning || running.FinishedAt != nil || !running.UpdatedAt.After(running.CreatedAt) {
		t.Fatalf("after a batch: %s, finishedAt %v, created %v, updated %v", running.Status, running.FinishedAt, running.CreatedAt, running.UpdatedAt)
	}
	advance(enroll.ImportStaleAfter - time.Second)
	if got := find(im.ID); got.Status != enroll.ImportRunning || got.FinishedAt != nil {
		t.Fatalf("quiet for less than %v: %s, finishedAt %v", enroll.ImportStaleAfter, got.Status, got.FinishedAt)
	}
	advance(2 * time.Second)
	stale := find(im.ID)
	wantFailedAt(stale, running.UpdatedAt)
	if stale.ProcessedRows != 1 || stale.FailedRows != 1 {
		t.Fatalf("a stale job's counters: %+v", stale)
	}

	// It was only slow: its next batch shows it running, unfinished.
	if _, err := is.ImportEnrollments(f.ctx, f.a, im.ID, nil); err != nil {
		t.Fatalf("a slow job's next batch: %v", err)
	}
	if got := find(im.ID); got.Status != enroll.ImportRunning || got.FinishedAt != nil {
		t.Fatalf("a slow job going on: %s, finishedAt %v", got.Status, got.FinishedAt)
	}

	// A job that never started ended when it was made.
	queued := &enroll.Import{ProgramInstanceID: inst.ID, Format: enroll.FormatNDJSON, TotalRows: 1}
	if err := is.CreateImport(f.ctx, f.a, queued); err != nil {
		t.Fatal(err)
	}
	created := find(queued.ID).CreatedAt
	advance(enroll.ImportStaleAfter + time.Second)
	wantFailedAt(find(queued.ID), created)
}
