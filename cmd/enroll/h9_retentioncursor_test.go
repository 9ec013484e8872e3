package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// TestRetentionKeepsPollerCursor: serve with a 1 s event retention, one
// program created, and a poller of GET /v1/events?after= the newest event
// polling every 200 ms for 4 s: every poll answers, with nothing new, though
// the cursor's event is older than the retention for most of them (the
// sweep keeps the newest event of each key), rather than the 422 of an
// unknown after once the sweep deleted it.
func TestRetentionKeepsPollerCursor(t *testing.T) {
	t.Parallel()
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	m.Config.DB, m.Config.Addr = filepath.Join(t.TempDir(), "cursor.db"), "127.0.0.1:0"
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
	if err := m.Store.CreateProgram(ctx, enroll.Actor{WorkspaceID: ws.ID}, &enroll.Program{Slug: "quiet", Name: "Quiet"}); err != nil {
		t.Fatal(err)
	}
	newest, err := m.Store.ListEvents(ctx, ws.ID, enroll.EventFilter{ListParams: enroll.ListParams{PerPage: 1}})
	if err != nil || len(newest.Data) != 1 {
		t.Fatalf("the newest event: %v, %v", newest, err)
	}
	cursor := newest.Data[0].ID
	published := false
	for end := time.Now().Add(4 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		pg, err := m.Store.ListEvents(ctx, ws.ID, enroll.EventFilter{After: cursor})
		var e *enroll.Error
		if !published && errors.As(err, &e) && len(e.Fields) == 1 && e.Fields[0].Message == enroll.AfterUnpublished {
			continue // within a dispatch poll of the create
		}
		if err != nil {
			t.Fatalf("poll after the newest event: %v", err)
		}
		published = true
		if len(pg.Data) != 0 {
			t.Fatalf("poll after the newest event: %d events", len(pg.Data))
		}
	}
	if !published {
		t.Fatal("the event was never published")
	}
	if _, err := m.Store.FindEvent(ctx, ws.ID, cursor); err != nil {
		t.Fatalf("the cursor's event after 4 s of a 1 s retention: %v", err)
	}
}
