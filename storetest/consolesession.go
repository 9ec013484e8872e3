package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testConsoleSessions checks the console's session store: every field
// comes back as written (times to the microsecond), ids are unique, an
// update writes only what a request changes, deletes are idempotent, and
// the sweep removes exactly the sessions idle too long or too old. Each
// part has a store of its own, since the sweep sees every session.
func testConsoleSessions(t *testing.T, newStore Factory) {
	t.Run("Lifecycle", func(t *testing.T) { t.Parallel(); testConsoleSessionLifecycle(t, newStore) })
	t.Run("Expiry", func(t *testing.T) { t.Parallel(); testConsoleSessionExpiry(t, newStore) })
}

// consoleT0 has nanoseconds and a zone, which the stores drop.
var consoleT0 = time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.FixedZone("EST", -5*3600))

// consoleSessionID returns a new session id as the console makes them:
// the hex SHA-256 of a random cookie id.
func consoleSessionID() string {
	h := sha256.Sum256([]byte(enroll.NewID()))
	return hex.EncodeToString(h[:])
}

func (f *fixture) consoleSession(created, seen time.Time) *enroll.ConsoleSession {
	return &enroll.ConsoleSession{
		ID:            consoleSessionID(),
		WorkspaceID:   f.a.WorkspaceID,
		KeyID:         f.keyID,
		KeyHash:       consoleSessionID(),
		WorkspaceName: "acme",
		CSRF:          "csrf-" + enroll.NewID(),
		CreatedAt:     created,
		LastSeenAt:    seen,
	}
}

// checkConsoleSession fails unless got equals want, times compared to the
// microsecond.
func checkConsoleSession(t *testing.T, got, want *enroll.ConsoleSession) {
	t.Helper()
	g, w := *got, *want
	us := time.Microsecond
	if !g.CreatedAt.Equal(w.CreatedAt.Truncate(us)) || !g.LastSeenAt.Equal(w.LastSeenAt.Truncate(us)) {
		t.Fatalf("times = %v, %v; want %v, %v", g.CreatedAt, g.LastSeenAt, w.CreatedAt.Truncate(us), w.LastSeenAt.Truncate(us))
	}
	g.CreatedAt, g.LastSeenAt, w.CreatedAt, w.LastSeenAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Fatalf("session = %+v, want %+v", g, w)
	}
}

func testConsoleSessionLifecycle(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	var cs enroll.ConsoleSessionStore = f.s

	s := f.consoleSession(consoleT0, consoleT0)
	if err := cs.CreateConsoleSession(f.ctx, s); err != nil {
		t.Fatalf("CreateConsoleSession: %v", err)
	}
	want := *s
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)

	// A second session with the id is refused and changes nothing.
	dup := f.consoleSession(consoleT0.Add(time.Hour), consoleT0.Add(time.Hour))
	dup.ID = s.ID
	wantCode(t, cs.CreateConsoleSession(f.ctx, dup), enroll.ECONFLICT)
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)

	_, err := cs.FindConsoleSession(f.ctx, consoleSessionID())
	wantCode(t, err, enroll.ENOTFOUND)

	// Updates write LastSeenAt, Flash and Secret, whatever else the
	// session passed in says.
	for i, u := range []struct {
		name          string
		flash, secret string
	}{
		{"flash", "Endpoint created.", ""},
		{"secret", "", "whsec_encoded"},
		{"both", "Secret rotated.", "whsec_other"},
		{"cleared", "", ""},
	} {
		seen := consoleT0.Add(time.Duration(i+1) * time.Minute)
		in := f.consoleSession(consoleT0.Add(-time.Hour), seen)
		in.ID, in.Flash, in.Secret = s.ID, u.flash, u.secret
		in.WorkspaceID, in.KeyID, in.WorkspaceName = "ws_other", "key_other", "other"
		if err := cs.UpdateConsoleSession(f.ctx, in); err != nil {
			t.Fatalf("%s: UpdateConsoleSession: %v", u.name, err)
		}
		want.LastSeenAt, want.Flash, want.Secret = seen, u.flash, u.secret
		checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)
	}

	// A touch moves LastSeenAt and keeps the message and secret the last
	// update left.
	touched := consoleT0.Add(time.Hour)
	if err := cs.TouchConsoleSession(f.ctx, s.ID, touched); err != nil {
		t.Fatalf("TouchConsoleSession: %v", err)
	}
	want.LastSeenAt = touched
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)
	wantCode(t, cs.TouchConsoleSession(f.ctx, consoleSessionID(), touched), enroll.ENOTFOUND)

	// Other sessions are untouched by s's writes.
	other := f.consoleSession(consoleT0, consoleT0)
	other.Flash, other.Secret = "Welcome.", "whsec_kept"
	if err := cs.CreateConsoleSession(f.ctx, other); err != nil {
		t.Fatalf("CreateConsoleSession: %v", err)
	}

	// Deleting is idempotent; a deleted session is gone for finds and
	// updates.
	for range 2 {
		if err := cs.DeleteConsoleSession(f.ctx, s.ID); err != nil {
			t.Fatalf("DeleteConsoleSession: %v", err)
		}
	}
	if err := cs.DeleteConsoleSession(f.ctx, consoleSessionID()); err != nil {
		t.Fatalf("DeleteConsoleSession of an unknown id: %v", err)
	}
	_, err = cs.FindConsoleSession(f.ctx, s.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	wantCode(t, cs.UpdateConsoleSession(f.ctx, s), enroll.ENOTFOUND)
	wantCode(t, cs.TouchConsoleSession(f.ctx, s.ID, touched), enroll.ENOTFOUND)
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, other.ID)), other)
}

func testConsoleSessionExpiry(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	var cs enroll.ConsoleSessionStore = f.s
	const idle, lifetime = 30 * time.Minute, 12 * time.Hour
	now := consoleT0
	idleBefore, createdBefore := now.Add(-idle), now.Add(-lifetime)

	cases := []struct {
		name          string
		created, seen time.Time
		expired       bool
	}{
		{"active", now.Add(-time.Hour), now.Add(-time.Minute), false},
		{"just created", now, now, false},
		{"idle", now.Add(-2 * time.Hour), now.Add(-idle - time.Minute), true},
		{"idle a microsecond too long", now.Add(-2 * time.Hour), idleBefore.Add(-time.Microsecond), true},
		{"last seen at the idle limit", now.Add(-2 * time.Hour), idleBefore, false},
		{"too old though active", now.Add(-lifetime - time.Minute), now.Add(-time.Minute), true},
		{"created at the lifetime limit", createdBefore, now.Add(-time.Minute), false},
		{"idle and too old", now.Add(-2 * lifetime), now.Add(-lifetime), true},
	}
	sessions := make([]*enroll.ConsoleSession, len(cases))
	wantGone := 0
	for i, c := range cases {
		sessions[i] = f.consoleSession(c.created, c.seen)
		if err := cs.CreateConsoleSession(f.ctx, sessions[i]); err != nil {
			t.Fatalf("%s: CreateConsoleSession: %v", c.name, err)
		}
		if c.expired {
			wantGone++
		}
	}

	if n := must(cs.DeleteExpiredConsoleSessions(f.ctx, idleBefore, createdBefore)); n != wantGone {
		t.Errorf("DeleteExpiredConsoleSessions = %d, want %d", n, wantGone)
	}
	for i, c := range cases {
		got, err := cs.FindConsoleSession(f.ctx, sessions[i].ID)
		switch {
		case c.expired && enroll.ErrorCode(err) != enroll.ENOTFOUND:
			t.Errorf("%s: expired session found: %v, %v", c.name, got, err)
		case !c.expired && err != nil:
			t.Errorf("%s: kept session: %v", c.name, err)
		}
	}
	if n := must(cs.DeleteExpiredConsoleSessions(f.ctx, idleBefore, createdBefore)); n != 0 {
		t.Errorf("second DeleteExpiredConsoleSessions = %d, want 0", n)
	}
}
