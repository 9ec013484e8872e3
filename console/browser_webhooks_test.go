package console

import (
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/enrollhq/enroll"
)

// webhooks runs the Webhooks part of TestBrowser, signed in with the
// workspace's key: add an endpoint and copy its secret, see its
// deliveries, filter them, open one's attempts, redeliver one, disable and
// enable the endpoint, rotate its secret, and delete it once confirmed.
func (b *browser) webhooks(f *fixture) {
	t := b.t
	t.Helper()

	// Add an endpoint for two event types; its page shows the secret once.
	b.open(Prefix+"/webhooks", "#ep-url")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#ep-url"), "https://crm.example.com/hooks/enroll"),
		chromedp.SendKeys(chromedp.CSS("#ep-description"), "CRM sync"),
		chromedp.Click(chromedp.CSS(`input[name=eventTypes][value="enrollment.created"]`)),
		chromedp.Click(chromedp.CSS(`input[name=eventTypes][value="enrollment.status_changed"]`)),
		chromedp.Click(chromedp.CSS("form.endpoint-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-secret")),
	)
	path := eval[string](b, `location.pathname`)
	id := strings.TrimPrefix(path, Prefix+"/webhooks/")
	ep := f.findEndpoint(id)
	secret := eval[string](b, `document.getElementById("new-secret").value`)
	if !strings.HasPrefix(secret, "whsec_") || len(ep.Secrets) != 1 || ep.Secrets[0].Secret != secret {
		t.Errorf("the page shows secret %q, the store signs with %+v", secret, ep.Secrets)
	}
	if len(ep.EventTypes) != 2 || ep.Description != "CRM sync" || !ep.Enabled {
		t.Errorf("stored endpoint: %+v", ep)
	}
	// The copy button appears with the script, selects the secret and
	// says what happened.
	hint := b.text("[data-copy-hint]")
	b.do(chromedp.Click(chromedp.CSS("button[data-copy]")))
	if got := eval[bool](b, `(() => { const f = document.getElementById("new-secret");
		return document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length; })()`); !got {
		t.Error("Copy did not select the whole secret")
	}
	for deadline := time.Now().Add(5 * time.Second); b.text("[data-copy-hint]") == hint; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the copy hint did not change after Copy")
		}
	}

	// Events happen; the receiver answers some, fails others.
	dora := f.enroll(f.other, "Dora", "Down", false)
	gone := f.enroll(f.other, "Ray", "Refused", false)
	f.enroll(f.other, "Otto", "Okay", false)
	tries := map[string]int{}
	for range 3 {
		f.deliver(func(d *enroll.WebhookDelivery) enroll.DeliveryOutcome {
			tries[d.ID]++
			now := time.Now().UTC()
			switch d.Stream {
			case dora.ID:
				// Retried at once twice, then an hour later.
				next := now
				if tries[d.ID] == 3 {
					next = now.Add(time.Hour)
				}
				return enroll.DeliveryOutcome{Status: enroll.DeliveryPending, NextAttemptAt: &next,
					Attempt: enroll.DeliveryAttempt{At: now, StatusCode: 503, DurationMs: int64(180 + 40*tries[d.ID]), Error: "Service Unavailable: maintenance"}}
			case gone.ID:
				return enroll.DeliveryOutcome{Status: enroll.DeliveryFailed,
					Attempt: enroll.DeliveryAttempt{At: now, DurationMs: 3, Error: "dial tcp 203.0.113.9:443: connect: connection refused"}}
			}
			return enroll.DeliveryOutcome{Status: enroll.DeliverySucceeded, Attempt: enroll.DeliveryAttempt{At: now, StatusCode: 200, DurationMs: 42}}
		})
	}
	var failed *enroll.WebhookDelivery
	for _, d := range f.deliveries(id) {
		if d.Status == enroll.DeliveryFailed {
			failed = d
		}
	}
	if failed == nil {
		t.Fatal("no failed delivery")
	}

	// The secret is gone on reload; the deliveries are listed.
	b.open(path, "table.deliveries")
	if n := eval[int](b, `document.querySelectorAll("#new-secret").length`); n != 0 {
		t.Error("the secret is shown again after a reload")
	}
	if n := eval[int](b, `document.querySelectorAll("tbody[data-delivery]").length`); n < 3 {
		t.Errorf("%d deliveries listed", n)
	}
	// Filter by status.
	b.do(chromedp.Click(chromedp.CSS(`.segments a[href*="status=failed"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.segments a[aria-current="true"][href*="status=failed"]`)))
	nFailed := 0
	for _, d := range f.deliveries(id) {
		if d.Status == enroll.DeliveryFailed {
			nFailed++
		}
	}
	got := eval[[]string](b, `[...document.querySelectorAll("tbody[data-delivery] [data-status]")].map(e => e.dataset.status)`)
	if len(got) != nFailed || strings.Count(strings.Join(got, " "), "failed") != nFailed {
		t.Errorf("failed filter lists %v, want %d failed", got, nFailed)
	}
	// Redeliver it: a new delivery of the same event, shown at the top.
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/deliveries/`+failed.ID+`/redeliver"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="#`+failed.ID+`"]`)))
	if got := b.text(".flash"); !strings.Contains(got, "queued for delivery again") {
		t.Errorf("flash after redelivery = %q", got)
	}
	all := f.deliveries(id)
	if all[0].RedeliveryOf != failed.ID || all[0].Status != enroll.DeliveryPending {
		t.Errorf("newest delivery after redelivery: %+v", all[0])
	}
	// The new one is queued: it is sent in order, not redelivered (the API
	// would answer 409).
	if n := eval[int](b, `document.querySelectorAll('form[action$="/deliveries/`+all[0].ID+`/redeliver"]').length`); n != 0 {
		t.Error("a pending delivery offers Redeliver")
	}

	// Disable, then enable.
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/enabled"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head [data-state="disabled"]`)))
	if f.findEndpoint(id).Enabled {
		t.Error("the endpoint is still enabled")
	}
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/enabled"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.page-head [data-state="enabled"]`)))

	// Rotate: the new secret once, and until when the old one signs.
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/rotate"] button`)), chromedp.WaitVisible(chromedp.CSS("#new-secret")))
	rotated := eval[string](b, `document.getElementById("new-secret").value`)
	ep = f.findEndpoint(id)
	if rotated == secret || ep.SigningSecrets(time.Now())[0] != rotated || ep.PreviousSecretExpiresAt == nil {
		t.Errorf("rotation: page %q, store %+v", rotated, ep.Secrets)
	} else if got := b.text("[data-previous-expires]"); got != formatTime(*ep.PreviousSecretExpiresAt) {
		t.Errorf("old secret expires %q on the page", got)
	}
	// Open the attempts of the delivery that was retried.
	row := `tbody[data-delivery]:has(a[href^="/console/enrollments/` + dora.ID + `"])`
	b.do(chromedp.Click(chromedp.CSS(row+" details summary")), chromedp.WaitVisible(chromedp.CSS(row+" table.attempts")))
	if n := eval[int](b, `document.querySelectorAll('`+row+` table.attempts tbody tr').length`); n != 3 {
		t.Errorf("%d attempts shown for the retried delivery, want 3", n)
	}
	b.screenshot("webhooks.png")

	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.open(path, "table.deliveries")
	if overflow := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the webhook page scrolls sideways on a phone")
	}
	b.do(chromedp.EmulateViewport(1280, 900))

	// Delete: not until the box is ticked.
	b.open(path, "#delete-confirm")
	b.do(chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)))
	if got := eval[string](b, `location.pathname`); got != path {
		t.Errorf("an unconfirmed delete went to %s", got)
	}
	f.findEndpoint(id)
	b.do(chromedp.Click(chromedp.CSS("#delete-confirm")), chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#ep-url")))
	if got := b.text(".flash"); !strings.Contains(got, "deleted") {
		t.Errorf("flash after delete = %q", got)
	}
	if _, err := f.store.FindWebhookEndpoint(f.ctx, f.wsID, id); enroll.ErrorCode(err) != enroll.ENOTFOUND {
		t.Errorf("deleted endpoint: %v", err)
	}
}
