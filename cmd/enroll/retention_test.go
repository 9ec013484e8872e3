package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestEventRetention: serve with an event retention deletes the events
// older than it in the background, and keeps the enrollment and its
// history.
func TestEventRetention(t *testing.T) {
	t.Parallel()
	m := NewMain()
	var out bytes.Buffer
	m.Stdout, m.Stderr = &out, io.Discard
	m.Config.DB, m.Config.Addr = filepath.Join(t.TempDir(), "retention.db"), "127.0.0.1:0"
	m.Config.EventRetention = time.Second
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ws, err := m.Store.FindWorkspace(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	a := enroll.Actor{WorkspaceID: ws.ID}
	p := &enroll.Program{Slug: "kept", Name: "Kept"}
	if err := m.Store.CreateProgram(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	inst := &enroll.ProgramInstance{ProgramID: p.ID, Slug: "2026", Name: "2026", Status: enroll.InstanceActive, AutoEvaluate: true}
	if err := m.Store.CreateInstance(ctx, a, inst); err != nil {
		t.Fatal(err)
	}
	e, err := m.Store.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Ada", LastName: "Old", Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	events, err := m.Store.ListEvents(ctx, ws.ID, enroll.EventFilter{ObjectID: e.ID})
	if err != nil || len(events.Data) == 0 {
		t.Fatalf("the enrollment's events: %v, %v", events, err)
	}
	// A later enrollment's events are newer ones of the same keys: the
	// sweep keeps the newest of each key (a poller's cursor), so the
	// first enrollment's go once the later one's are old too.
	if _, err := m.Store.CreateEnrollment(ctx, a, inst.ID, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
		FirstName: "Bob", LastName: "Newer", Email: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	// Dispatched within a poll, older than the retention after a second,
	// deleted at the next sweep, a second later.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := m.Store.FindEvent(ctx, ws.ID, events.Data[0].ID)
		if enroll.ErrorCode(err) == enroll.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event is still there after 20 s of a 1 s retention: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := m.Store.FindEnrollment(ctx, ws.ID, e.ID); err != nil {
		t.Fatalf("the enrollment after its events went: %v", err)
	}
	if h, err := m.Store.ListStatusChanges(ctx, ws.ID, e.ID); err != nil || len(h) == 0 {
		t.Fatalf("the enrollment's history after its events went: %v, %v", h, err)
	}
}
