package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

// testConsoleSessions checks the console's session store: every field
// comes back as written (times to the microsecond), ids are unique, each
// write changes only what it names (a touch the last use, a set or take
// the flash, a swap the secret), a flash is taken once, a secret swapped
// only from what it is now, so of concurrent swaps from one value one
// wins and swaps that retry from what they read again all land, deletes
// are idempotent, and the sweep removes exactly the sessions idle too long
// or too old. Each part has a store of its own, since the sweep sees every
// session.
func testConsoleSessions(t *testing.T, newStore Factory) {
	t.Run("Lifecycle", func(t *testing.T) { t.Parallel(); testConsoleSessionLifecycle(t, newStore) })
	t.Run("FlashAndSecret", func(t *testing.T) { t.Parallel(); testConsoleSessionFlashAndSecret(t, newStore) })
	t.Run("ConcurrentTakes", func(t *testing.T) { t.Parallel(); testConsoleSessionConcurrentTakes(t, newStore) })
	t.Run("ConcurrentSwaps", func(t *testing.T) { t.Parallel(); testConsoleSessionConcurrentSwaps(t, newStore) })
	t.Run("Expiry", func(t *testing.T) { t.Parallel(); testConsoleSessionExpiry(t, newStore) })
	t.Run("DropSecrets", func(t *testing.T) { t.Parallel(); testConsoleSessionDropSecrets(t, newStore) })
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

// done fails the test when err, the outcome of a write, is not nil.
func done(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// swapped fails the test unless a SwapConsoleSecret, whose outcome ok
// is, made its swap.
func swapped(t *testing.T, ok bool) {
	t.Helper()
	if !ok {
		t.Fatal("SwapConsoleSecret refused a swap from the secret as it is")
	}
}

// notSwapped fails the test unless a SwapConsoleSecret, whose outcome ok
// is, refused its swap.
func notSwapped(t *testing.T, ok bool) {
	t.Helper()
	if ok {
		t.Fatal("SwapConsoleSecret made a swap from what the secret is not")
	}
}

func testConsoleSessionLifecycle(t *testing.T, newStore Factory) {
	f, cs, s := newConsoleSession(t, newStore)
	want := *s
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)

	// A second session with the id is refused and changes nothing.
	dup := f.consoleSession(consoleT0.Add(time.Hour), consoleT0.Add(time.Hour))
	dup.ID = s.ID
	wantCode(t, cs.CreateConsoleSession(f.ctx, dup), enroll.ECONFLICT)
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)

	_, err := cs.FindConsoleSession(f.ctx, consoleSessionID())
	wantCode(t, err, enroll.ENOTFOUND)

	// A flash and a secret are set, and taken, each on its own.
	done(t, cs.SetConsoleFlash(f.ctx, s.ID, "Endpoint created."))
	want.Flash = "Endpoint created."
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", "whsec_encoded")))
	want.Secret = "whsec_encoded"
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)

	// A touch moves LastSeenAt and keeps the message and the secret.
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
	wantCode(t, cs.TouchConsoleSession(f.ctx, s.ID, touched), enroll.ENOTFOUND)
	wantCode(t, cs.SetConsoleFlash(f.ctx, s.ID, "Saved."), enroll.ENOTFOUND)
	_, err = cs.SwapConsoleSecret(f.ctx, s.ID, "", "whsec_late")
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = cs.TakeConsoleFlash(f.ctx, s.ID)
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_encoded", "")
	wantCode(t, err, enroll.ENOTFOUND)
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, other.ID)), other)
}

// testConsoleSessionFlashAndSecret checks the writes of a session's
// message and secret: each changes its own field and nothing else, a take
// returns the message once and then "", a swap is made only from the
// secret as it is now, and two requests working from copies of the session
// read before either wrote keep both their writes (which writing a whole
// copy back lost).
func testConsoleSessionFlashAndSecret(t *testing.T, newStore Factory) {
	f, cs, s := newConsoleSession(t, newStore)
	want := *s
	check := func() {
		t.Helper()
		checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, s.ID)), &want)
	}

	// Nothing to take yet: "" and false, and the session is unchanged.
	if got := must(cs.TakeConsoleFlash(f.ctx, s.ID)); got != "" {
		t.Fatalf("TakeConsoleFlash of no message = %q", got)
	}
	notSwapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_none", "")))
	check()

	// Two requests read the session; one leaves a message, the other a
	// secret: both stay.
	a, b := must(cs.FindConsoleSession(f.ctx, s.ID)), must(cs.FindConsoleSession(f.ctx, s.ID))
	done(t, cs.SetConsoleFlash(f.ctx, a.ID, "Endpoint added."))
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, b.ID, b.Secret, "whsec_one")))
	want.Flash, want.Secret = "Endpoint added.", "whsec_one"
	check()

	// A touch changes neither.
	done(t, cs.TouchConsoleSession(f.ctx, s.ID, consoleT0.Add(time.Minute)))
	want.LastSeenAt = consoleT0.Add(time.Minute)
	check()

	// Setting one replaces it and leaves the other.
	done(t, cs.SetConsoleFlash(f.ctx, s.ID, "Secret rotated."))
	want.Flash = "Secret rotated."
	check()
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_one", "whsec_two")))
	want.Secret = "whsec_two"
	check()

	// The flash is taken once, and the secret stays.
	if got := must(cs.TakeConsoleFlash(f.ctx, s.ID)); got != "Secret rotated." {
		t.Fatalf("TakeConsoleFlash = %q, want the last message", got)
	}
	want.Flash = ""
	check()
	if got := must(cs.TakeConsoleFlash(f.ctx, s.ID)); got != "" {
		t.Fatalf("second TakeConsoleFlash = %q, want \"\"", got)
	}

	// The secret is swapped only from what it is now: not from what an
	// older copy read, nor from "" once it is set.
	notSwapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_one", "")))
	notSwapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", "whsec_lost")))
	check()
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_two", "")))
	want.Secret = ""
	check()
	notSwapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_two", "")))
	// A swap to what it is already is made, and changes nothing.
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", "")))
	check()

	// Taking the secret leaves a message set meanwhile, and the reverse.
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", "whsec_three")))
	done(t, cs.SetConsoleFlash(f.ctx, s.ID, "Endpoint saved."))
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_three", "")))
	want.Flash = "Endpoint saved."
	check()
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", "whsec_four")))
	if got := must(cs.TakeConsoleFlash(f.ctx, s.ID)); got != "Endpoint saved." {
		t.Fatalf("TakeConsoleFlash = %q", got)
	}
	want.Flash, want.Secret = "", "whsec_four"
	check()

	// Another session's message and secret are its own.
	other := f.consoleSession(consoleT0, consoleT0)
	if err := cs.CreateConsoleSession(f.ctx, other); err != nil {
		t.Fatalf("CreateConsoleSession: %v", err)
	}
	done(t, cs.SetConsoleFlash(f.ctx, other.ID, "Other."))
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, other.ID, "", "whsec_four")))
	swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "whsec_four", "")))
	if got := must(cs.TakeConsoleFlash(f.ctx, s.ID)); got != "" {
		t.Fatalf("TakeConsoleFlash took another session's message: %q", got)
	}
	want.Secret = ""
	check()
	other.Flash, other.Secret = "Other.", "whsec_four"
	checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, other.ID)), other)

	// Unknown sessions: ENOTFOUND, as for a touch.
	unknown := consoleSessionID()
	wantCode(t, cs.SetConsoleFlash(f.ctx, unknown, "x"), enroll.ENOTFOUND)
	_, err := cs.TakeConsoleFlash(f.ctx, unknown)
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = cs.SwapConsoleSecret(f.ctx, unknown, "", "x")
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = cs.SwapConsoleSecret(f.ctx, unknown, "x", "")
	wantCode(t, err, enroll.ENOTFOUND)
	_, err = cs.SwapConsoleSecret(f.ctx, unknown, "", "")
	wantCode(t, err, enroll.ENOTFOUND)
}

// testConsoleSessionConcurrentTakes takes one message and one secret (a
// swap from it to "") from many goroutines at once: exactly one gets each.
func testConsoleSessionConcurrentTakes(t *testing.T, newStore Factory) {
	f, cs, s := newConsoleSession(t, newStore)
	const takers = 8
	for round := range 3 {
		flash, secret := fmt.Sprintf("Message %d.", round), fmt.Sprintf("whsec_%d", round)
		done(t, cs.SetConsoleFlash(f.ctx, s.ID, flash))
		swapped(t, must(cs.SwapConsoleSecret(f.ctx, s.ID, "", secret)))
		var (
			wg                   sync.WaitGroup
			flashes, secrets, ns atomic.Int32
		)
		for range takers {
			wg.Go(func() {
				got, err := cs.TakeConsoleFlash(f.ctx, s.ID)
				switch {
				case err != nil:
					t.Errorf("TakeConsoleFlash: %v", err)
				case got == flash:
					flashes.Add(1)
				case got != "":
					t.Errorf("TakeConsoleFlash = %q", got)
				}
				taken, err := cs.SwapConsoleSecret(f.ctx, s.ID, secret, "")
				if err != nil {
					t.Errorf("SwapConsoleSecret: %v", err)
				} else if taken {
					secrets.Add(1)
				}
				ns.Add(1)
			})
		}
		wg.Wait()
		if flashes.Load() != 1 || secrets.Load() != 1 || ns.Load() != takers {
			t.Fatalf("round %d: %d of %d takers got the message, %d the secret; want 1 each",
				round, flashes.Load(), ns.Load(), secrets.Load())
		}
		got := must(cs.FindConsoleSession(f.ctx, s.ID))
		if got.Flash != "" || got.Secret != "" {
			t.Fatalf("round %d: left %q, %q", round, got.Flash, got.Secret)
		}
	}
}

// testConsoleSessionConcurrentSwaps has many goroutines add a secret each
// to the session's list at once, as the console does: read the list,
// swap it for the list with its own added, and read again when another
// got in first. Every one lands; none undoes another's.
func testConsoleSessionConcurrentSwaps(t *testing.T, newStore Factory) {
	f, cs, s := newConsoleSession(t, newStore)
	const adders = 8
	var wg sync.WaitGroup
	for i := range adders {
		wg.Go(func() {
			for {
				cur, err := cs.FindConsoleSession(f.ctx, s.ID)
				if err != nil {
					t.Errorf("FindConsoleSession: %v", err)
					return
				}
				ok, err := cs.SwapConsoleSecret(f.ctx, s.ID, cur.Secret, cur.Secret+fmt.Sprintf("[whsec_%d]", i))
				if err != nil {
					t.Errorf("SwapConsoleSecret: %v", err)
					return
				}
				if ok {
					return
				}
			}
		})
	}
	wg.Wait()
	got := must(cs.FindConsoleSession(f.ctx, s.ID)).Secret
	for i := range adders {
		if n := strings.Count(got, fmt.Sprintf("[whsec_%d]", i)); n != 1 {
			t.Errorf("secret %d is there %d times: %q", i, n, got)
		}
	}
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

// testConsoleSessionDropSecrets checks that DropConsoleSecrets clears the
// secrets that start with none of the prefixes kept, and only the secret.
func testConsoleSessionDropSecrets(t *testing.T, newStore Factory) {
	f := newFixture(t, newStore)
	var cs enroll.ConsoleSessionStore = f.s
	keep := []string{"aes-256-gcm:v1:aaaa:", "aes-256-gcm:v1:bbbb:"}
	secrets := []struct {
		secret string
		kept   bool
	}{
		{"", true},
		{`[{"endpointId":"we_1","secret":"whsec_plain"}]`, false},
		{"aes-256-gcm:v1:aaaa:sealed", true},
		{"aes-256-gcm:v1:bbbb:sealed", true},
		{"aes-256-gcm:v1:cccc:sealed", false},
	}
	sessions := make([]*enroll.ConsoleSession, len(secrets))
	for i, c := range secrets {
		sessions[i] = f.consoleSession(consoleT0, consoleT0)
		done(t, cs.CreateConsoleSession(f.ctx, sessions[i]))
		done(t, cs.SetConsoleFlash(f.ctx, sessions[i].ID, "Saved."))
		swapped(t, must(cs.SwapConsoleSecret(f.ctx, sessions[i].ID, "", c.secret)))
	}
	if n := must(cs.DropConsoleSecrets(f.ctx, keep)); n != 2 {
		t.Errorf("DropConsoleSecrets = %d, want 2", n)
	}
	for i, c := range secrets {
		want := *sessions[i]
		want.Flash = "Saved."
		if c.kept {
			want.Secret = c.secret
		}
		checkConsoleSession(t, must(cs.FindConsoleSession(f.ctx, sessions[i].ID)), &want)
	}
	if n := must(cs.DropConsoleSecrets(f.ctx, keep)); n != 0 {
		t.Errorf("second DropConsoleSecrets = %d, want 0", n)
	}
}

// newConsoleSession returns a fixture on a new store, the store as a
// ConsoleSessionStore, and a session created in it at consoleT0.
func newConsoleSession(t *testing.T, newStore Factory) (*fixture, enroll.ConsoleSessionStore, *enroll.ConsoleSession) {
	t.Helper()
	f := newFixture(t, newStore)
	var cs enroll.ConsoleSessionStore = f.s
	s := f.consoleSession(consoleT0, consoleT0)
	if err := cs.CreateConsoleSession(f.ctx, s); err != nil {
		t.Fatalf("CreateConsoleSession: %v", err)
	}
	return f, cs, s
}
