package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/enrollhq/enroll"
)

// heldAs returns the check of a put based on a read of want (an
// If-Match of its ETag): it refuses, with EPRECONDITION, settings held
// that differ.
func heldAs(want *enroll.NotificationSettings) func(*enroll.NotificationSettings) error {
	tag := enroll.ContentETag(want)
	return func(held *enroll.NotificationSettings) error {
		if enroll.ContentETag(held) != tag {
			return enroll.Errorf(enroll.EPRECONDITION, "stale")
		}
		return nil
	}
}

// settingsFor returns new settings of instance instID that send the
// administrators' messages to admin.
func settingsFor(instID, admin string) *enroll.NotificationSettings {
	return &enroll.NotificationSettings{ProgramInstanceID: instID, Enabled: true, AdminEmails: []string{admin}}
}

// testNotificationSettingsCheck: the check of PutNotificationSettings
// sees the settings held (the defaults before the first put, the same at
// every read, then what the last put returned); a stale one refuses and
// nothing is stored, a fresh one lets the put apply, and none puts
// unconditionally.
func testNotificationSettingsCheck(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	find := func() *enroll.NotificationSettings {
		t.Helper()
		return must(f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, inst.ID))
	}
	wantHeld := func(what string, want *enroll.NotificationSettings) {
		t.Helper()
		if got := find(); enroll.ContentETag(got) != enroll.ContentETag(want) {
			t.Fatalf("%s: held %+v, want %+v", what, got, want)
		}
	}
	defaults := find()
	wantHeld("defaults read again", defaults)

	first := settingsFor(inst.ID, "first@example.com")
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, first, heldAs(defaults)); err != nil {
		t.Fatalf("first put checked against the defaults: %v", err)
	}
	wantHeld("after the first put", first)

	stale := settingsFor(inst.ID, "stale@example.com")
	wantCode(t, f.ns.PutNotificationSettings(f.ctx, f.a, stale, heldAs(defaults)), enroll.EPRECONDITION)
	wantHeld("after a stale put", first)

	second := settingsFor(inst.ID, "second@example.com")
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, second, heldAs(first)); err != nil {
		t.Fatalf("put checked against the settings held: %v", err)
	}
	wantHeld("after a fresh put", second)

	third := settingsFor(inst.ID, "third@example.com")
	if err := f.ns.PutNotificationSettings(f.ctx, f.a, third, nil); err != nil {
		t.Fatalf("unconditional put: %v", err)
	}
	wantHeld("after an unconditional put", third)

	var seen *enroll.NotificationSettings
	err := f.ns.PutNotificationSettings(f.ctx, f.a, settingsFor(inst.ID, "refused@example.com"), func(held *enroll.NotificationSettings) error {
		seen = held
		return enroll.Errorf(enroll.EPRECONDITION, "refused")
	})
	wantCode(t, err, enroll.EPRECONDITION)
	if seen == nil || enroll.ContentETag(seen) != enroll.ContentETag(third) {
		t.Fatalf("check saw %+v, want %+v", seen, third)
	}
	wantHeld("after a refusal", third)

	// The instance is checked before the settings: another workspace's
	// put is ENOTFOUND whatever check says.
	other := newFixtureOn(t, f.s)
	wantCode(t, f.ns.PutNotificationSettings(f.ctx, other.a, settingsFor(inst.ID, "other@example.com"), nil), enroll.ENOTFOUND)
}

// testNotificationSettingsRace: puts at once, each checked against the
// same read, apply one: the others see its settings and are refused, so
// no change is silently lost.
func testNotificationSettingsRace(t *testing.T, newStore Factory) {
	f := newNotificationFixture(t, newStore)
	inst := f.instance()
	// The first round races on the defaults, which have no row to lock;
	// the second on the settings the first stored.
	for round := range 2 {
		read := must(f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, inst.ID))
		const n = 8
		puts := make([]*enroll.NotificationSettings, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range puts {
			puts[i] = settingsFor(inst.ID, fmt.Sprintf("r%d-%d@example.com", round, i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.ns.PutNotificationSettings(f.ctx, f.a, puts[i], heldAs(read))
			}()
		}
		wg.Wait()
		var won []int
		for i, err := range errs {
			switch enroll.ErrorCode(err) {
			case "":
				won = append(won, i)
			case enroll.EPRECONDITION:
			default:
				t.Fatalf("round %d, put %d: %v", round, i, err)
			}
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d puts checked against one read applied (%v), want 1", round, len(won), won)
		}
		held := must(f.ns.FindNotificationSettings(f.ctx, f.a.WorkspaceID, inst.ID))
		if enroll.ContentETag(held) != enroll.ContentETag(puts[won[0]]) {
			t.Fatalf("round %d: held %+v, the winner put %+v", round, held, puts[won[0]])
		}
	}
}
