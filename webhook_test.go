package enroll_test

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
)

func TestDeliveryBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{3, 0.5, 4 * time.Second},
		{12, 0.5, 2048 * time.Second},
		{13, 0.5, time.Hour},  // 4096 s capped at an hour
		{500, 0.5, time.Hour}, // no overflow
		{0, 0.5, time.Second}, // treated as the first
		{1, 0, 750 * time.Millisecond},
		{1, 0.999999, 1250 * time.Millisecond},
	}
	for _, tt := range tests {
		got := enroll.DeliveryBackoff(tt.n, func() float64 { return tt.jitter })
		if d := got - tt.want; d > time.Millisecond || d < -time.Millisecond {
			t.Errorf("DeliveryBackoff(%d, %v) = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}

func TestDecideOutcome(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	half := func() float64 { return 0.5 }
	tests := []struct {
		name     string
		attempts int
		at       time.Time
		ms       int64 // the attempt's duration
		status   int
		err      string
		want     enroll.DeliveryStatus
		wait     time.Duration // from at, when pending
		disable  bool
	}{
		{"2xx", 0, created, 30, 204, "", enroll.DeliverySucceeded, 0, false},
		{"500 first", 0, created, 0, 500, "", enroll.DeliveryPending, time.Second, false},
		// The wait runs from the end of a 10-second timeout, not its start.
		{"timeout third", 2, created, 10000, 0, "timed out", enroll.DeliveryPending, 14 * time.Second, false},
		{"redirect fails", 0, created, 0, 302, "", enroll.DeliveryPending, time.Second, false},
		{"410 disables", 0, created, 0, 410, "", enroll.DeliveryFailed, 0, true},
		{"capped in the window", 40, created.Add(70 * time.Hour), 0, 500, "", enroll.DeliveryPending, time.Hour, false},
		{"next past the window", 70, created.Add(71*time.Hour + 30*time.Minute), 0, 500, "", enroll.DeliveryFailed, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &enroll.WebhookDelivery{CreatedAt: created, AttemptCount: tt.attempts, Status: enroll.DeliveryPending}
			o := enroll.DecideOutcome(d, enroll.DeliveryAttempt{At: tt.at, DurationMs: tt.ms, StatusCode: tt.status, Error: tt.err}, half)
			if o.Status != tt.want || o.DisableEndpoint != tt.disable {
				t.Fatalf("outcome = %+v, want %s (disable %v)", o, tt.want, tt.disable)
			}
			if tt.want == enroll.DeliveryPending && (o.NextAttemptAt == nil || o.NextAttemptAt.Sub(tt.at) != tt.wait) {
				t.Fatalf("next attempt = %v, want %v after", o.NextAttemptAt, tt.wait)
			}
			d.Apply(o, tt.at)
			if d.AttemptCount != tt.attempts+1 || len(d.Attempts) != 1 || d.Status != o.Status {
				t.Fatalf("applied = %+v", d)
			}
		})
	}
	long := enroll.DecideOutcome(&enroll.WebhookDelivery{CreatedAt: created}, enroll.DeliveryAttempt{At: created, StatusCode: 500, Error: strings.Repeat("x", 5000)}, half)
	if len(long.Attempt.Error) > 512 {
		t.Fatalf("stored error of %d bytes", len(long.Attempt.Error))
	}
}

func TestDeliveryApplyKeepsRecentAttempts(t *testing.T) {
	t.Parallel()
	d := &enroll.WebhookDelivery{Status: enroll.DeliveryPending}
	for i := 0; i < enroll.MaxDeliveryAttemptsKept+20; i++ {
		d.Apply(enroll.DeliveryOutcome{Attempt: enroll.DeliveryAttempt{StatusCode: 500 + i%2}, Status: enroll.DeliveryPending}, time.Now())
	}
	if d.AttemptCount != enroll.MaxDeliveryAttemptsKept+20 || len(d.Attempts) != enroll.MaxDeliveryAttemptsKept {
		t.Fatalf("count %d, kept %d", d.AttemptCount, len(d.Attempts))
	}
	// A late finish of a delivery already done does not reopen it.
	d.Status = enroll.DeliverySucceeded
	d.Apply(enroll.DeliveryOutcome{Status: enroll.DeliveryPending}, time.Now())
	if d.Status != enroll.DeliverySucceeded {
		t.Fatal("a finished delivery went back to pending")
	}
}

func TestPublicAddress(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700::1111": true, "::ffff:8.8.8.8": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "::": false, "100.64.0.1": false, "fc00::1": false,
		"fe80::1": false, "224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"192.0.2.1": false, "255.255.255.255": false,
		// IPv6 forms that carry an IPv4 address, which may be private:
		// NAT64's well-known and local-use (RFC 8215) prefixes, 6to4 and
		// IPv4-compatible addresses.
		"64:ff9b::a00:1": false, "64:ff9b:1::a00:1": false, "64:ff9b:1::7f00:1": false,
		"64:ff9b:1:ffff::a9fe:a9fe": false, "2002:a00:1::1": false, "::a00:1": false, "::7f00:1": false,
	}
	for ip, want := range tests {
		if got := enroll.PublicAddress(net.ParseIP(ip)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestWebhookEndpointValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ep   enroll.WebhookEndpoint
		loc  string // "" when valid
	}{
		{"https", enroll.WebhookEndpoint{URL: "https://hooks.example.com/enroll"}, ""},
		{"http with port", enroll.WebhookEndpoint{URL: "http://hooks.example.com:8080/x?y=1"}, ""},
		{"some types", enroll.WebhookEndpoint{URL: "https://h.example/", EventTypes: []enroll.EventType{enroll.EventEnrollmentCreated}}, ""},
		{"missing", enroll.WebhookEndpoint{}, "body.url"},
		{"relative", enroll.WebhookEndpoint{URL: "/hooks"}, "body.url"},
		{"ftp", enroll.WebhookEndpoint{URL: "ftp://h.example/"}, "body.url"},
		{"credentials", enroll.WebhookEndpoint{URL: "https://u:p@h.example/"}, "body.url"},
		{"fragment", enroll.WebhookEndpoint{URL: "https://h.example/#x"}, "body.url"},
		{"port too large", enroll.WebhookEndpoint{URL: "http://127.0.0.1:99999/x"}, "body.url"},
		{"port zero", enroll.WebhookEndpoint{URL: "https://h.example:0/"}, "body.url"},
		{"no host name", enroll.WebhookEndpoint{URL: "https://:443/"}, "body.url"},
		{"highest port", enroll.WebhookEndpoint{URL: "https://h.example:65535/"}, ""},
		{"empty port", enroll.WebhookEndpoint{URL: "https://h.example:/"}, ""},
		{"too long", enroll.WebhookEndpoint{URL: "https://h.example/" + strings.Repeat("a", 2100)}, "body.url"},
		{"NUL", enroll.WebhookEndpoint{URL: "https://h.example/\x00"}, "body.url"},
		{"unknown type", enroll.WebhookEndpoint{URL: "https://h.example/", EventTypes: []enroll.EventType{"enrollment.exploded"}}, "body.eventTypes[0]"},
		{"twice", enroll.WebhookEndpoint{URL: "https://h.example/", EventTypes: []enroll.EventType{enroll.EventEnrollmentCreated, enroll.EventEnrollmentCreated}}, "body.eventTypes[1]"},
		{"long description", enroll.WebhookEndpoint{URL: "https://h.example/", Description: strings.Repeat("d", 5000)}, "body.description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.ep.Validate()
			if tt.loc == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			e, ok := err.(*enroll.Error)
			if !ok || e.Code != enroll.EINVALID || len(e.Fields) == 0 || e.Fields[0].Location != tt.loc {
				t.Fatalf("Validate = %#v, want EINVALID at %s", err, tt.loc)
			}
		})
	}
}

// TestWebhookURLMessages: each way a URL is refused says what is wrong
// with it, for an endpoint's URL and a notification link alike (one
// check; credentials in each field's own words): not UTF-8 (as a console form's %ff arrives), which is refused
// rather than stored and shown as U+FFFD, its value left out as JSON
// cannot repeat it; a NUL character, which is not a matter of length;
// too long, counted in characters.
func TestWebhookURLMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, msg string
		value          any
	}{
		{"not UTF-8", "https://example.com/\xff", "must be valid UTF-8", nil},
		{"not UTF-8 and long", "https://example.com/\xff" + strings.Repeat("a", 2100), "must be valid UTF-8", nil},
		// The value as sent, as the other field errors repeat it.
		{"NUL", "https://example.com/a\x00b", "must not contain NUL characters", "https://example.com/a\x00b"},
		{"too long", "https://example.com/" + strings.Repeat("a", 2100), "must be a URL of at most 2048 characters", "https://example.com/" + strings.Repeat("a", 2100)},
		// Characters, as the message (and the API's schema) says, not bytes.
		{"long in bytes only", "https://example.com/" + strings.Repeat("é", 2000), "", nil},
	}
	t.Run("a link's placeholder", func(t *testing.T) {
		t.Parallel()
		// Checked with a stand-in, refused with the link as sent.
		const link = "https://portal.example.com/e/{enrollmentId}#top"
		var e *enroll.Error
		if err := (&enroll.NotificationSettings{LinkURL: link}).Validate(); !errors.As(err, &e) || len(e.Fields) != 1 ||
			e.Fields[0].Message != "must not have a fragment" || e.Fields[0].Value != link {
			t.Fatalf("Validate = %#v, want the fragment refused with value %q", err, link)
		}
	})
	t.Run("credentials", func(t *testing.T) {
		t.Parallel()
		// One check, each field's own advice: a webhook's receiver
		// authenticates the sender by its signature; a link has no sender
		// to authenticate, and every recipient would see them.
		const url = "https://u:p@portal.example.com/"
		for loc, c := range map[string]struct {
			err  error
			want string
		}{
			"body.url":     {(&enroll.WebhookEndpoint{URL: url}).Validate(), "must not carry credentials; authenticate the sender by its signature"},
			"body.linkUrl": {(&enroll.NotificationSettings{LinkURL: url}).Validate(), "must not carry credentials: every recipient of the message would see them"},
		} {
			var e *enroll.Error
			if !errors.As(c.err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != loc || e.Fields[0].Message != c.want || e.Fields[0].Value != url {
				t.Errorf("%s: Validate = %#v, want %q", loc, c.err, c.want)
			}
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for loc, err := range map[string]error{
				"body.url":     (&enroll.WebhookEndpoint{URL: tt.url}).Validate(),
				"body.linkUrl": (&enroll.NotificationSettings{LinkURL: tt.url}).Validate(),
			} {
				if tt.msg == "" {
					if err != nil {
						t.Errorf("%s: Validate = %v, want nil", loc, err)
					}
					continue
				}
				var e *enroll.Error
				if !errors.As(err, &e) || e.Code != enroll.EINVALID || len(e.Fields) != 1 {
					t.Fatalf("%s: Validate = %#v, want one field error", loc, err)
				}
				if fe := e.Fields[0]; fe.Location != loc || fe.Message != tt.msg || fe.Value != tt.value {
					t.Errorf("%s: field error %s %q (value %#v), want %q (value %#v)", loc, fe.Location, fe.Message, fe.Value, tt.msg, tt.value)
				}
			}
		})
	}
}

// TestWebhookSecretRotationBound: however many rotations a day sees, a
// delivery is signed with the current secret and at most the three most
// recent earlier ones (300 rotations signed with 301, a 14 KB header most
// receivers refuse); a rotation beyond drops the oldest at once. An
// endpoint stored with more, rotated before the bound, signs with as many.
func TestWebhookSecretRotationBound(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ep := &enroll.WebhookEndpoint{}
	var shown []string // newest last
	for i := range 300 {
		ep.Rotate(now.Add(time.Duration(i) * time.Second))
		shown = append(shown, ep.Secret)
	}
	at := now.Add(time.Hour)
	s := ep.SigningSecrets(at)
	if len(s) != 1+enroll.MaxEarlierSecrets || len(ep.Secrets) != 1+enroll.MaxEarlierSecrets {
		t.Fatalf("after 300 rotations: %d signing secrets, %d kept, want %d", len(s), len(ep.Secrets), 1+enroll.MaxEarlierSecrets)
	}
	for i, secret := range s {
		if want := shown[len(shown)-1-i]; secret != want {
			t.Fatalf("signing secret %d is not the %d-th newest", i, i)
		}
	}
	// Stored before the bound: 10 secrets within their day.
	exp := now.Add(time.Hour)
	old := &enroll.WebhookEndpoint{Secrets: []enroll.WebhookSecret{{Secret: "whsec_current"}}}
	for i := range 9 {
		old.Secrets = append(old.Secrets, enroll.WebhookSecret{Secret: "whsec_" + strings.Repeat("o", i+1), ExpiresAt: &exp})
	}
	if s := old.SigningSecrets(now); len(s) != 4 || s[0] != "whsec_current" || s[3] != "whsec_ooo" {
		t.Fatalf("an endpoint stored with 10 secrets signs with %v", s)
	}
	if old.Rotate(now); len(old.Secrets) != 4 || old.Secrets[1].Secret != "whsec_current" {
		t.Fatalf("its next rotation keeps %d secrets", len(old.Secrets))
	}
}

func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ep := &enroll.WebhookEndpoint{}
	ep.Rotate(now)
	first := ep.Secret
	if _, err := enroll.WebhookSecretKey(first); err != nil || !strings.HasPrefix(first, "whsec_") {
		t.Fatalf("secret %q: %v", first, err)
	}
	ep.Rotate(now.Add(time.Hour))
	second := ep.Secret
	if s := ep.SigningSecrets(now.Add(2 * time.Hour)); len(s) != 2 || s[0] != second || s[1] != first {
		t.Fatalf("signing secrets = %v", s)
	}
	if s := ep.SigningSecrets(now.Add(26 * time.Hour)); len(s) != 1 || s[0] != second {
		t.Fatalf("after the overlap, signing secrets = %v", s)
	}
	ep.Rotate(now.Add(30 * time.Hour)) // drops the expired first secret
	if len(ep.Secrets) != 2 {
		t.Fatalf("kept %d secrets", len(ep.Secrets))
	}
	for _, bad := range []string{"", "whsec_", "whsec_!!!", "abc"} {
		if _, err := enroll.WebhookSecretKey(bad); err == nil {
			t.Errorf("WebhookSecretKey(%q) accepted", bad)
		}
	}
}

// TestDeliveryAttemptJSON: an attempt that got no answer has a null status
// code in its JSON, rather than 0, and one that got an answer a null error.
func TestDeliveryAttemptJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		at                enroll.DeliveryAttempt
		wantCode, wantErr string
	}{
		{enroll.DeliveryAttempt{Error: "timeout"}, `"statusCode":null`, `"error":"timeout"`},
		{enroll.DeliveryAttempt{StatusCode: 204}, `"statusCode":204`, `"error":null`},
	} {
		b, err := json.Marshal(c.at)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.wantCode) || !strings.Contains(string(b), c.wantErr) {
			t.Errorf("%s: want %s and %s", b, c.wantCode, c.wantErr)
		}
	}
}

// TestWebhookEndpointOldURL checks that an endpoint saved before its URL's
// port was checked can still be turned off and rotated: an update checks
// the host and port only of a URL it changes.
func TestWebhookEndpointOldURL(t *testing.T) {
	t.Parallel()
	old := &enroll.WebhookEndpoint{ID: "we_1", URL: "https://hooks.example.com:99999/enroll", Enabled: true}
	if _, err := enroll.UpdateWebhookEndpoint(old, func(ep *enroll.WebhookEndpoint) error { ep.Enabled = false; return nil }, time.Now()); err != nil {
		t.Fatalf("turning off an endpoint with an old URL: %v", err)
	}
	_, err := enroll.UpdateWebhookEndpoint(old, func(ep *enroll.WebhookEndpoint) error { ep.URL = "https://hooks.example.com:99998/"; return nil }, time.Now())
	if enroll.ErrorCode(err) != enroll.EINVALID {
		t.Fatalf("a new URL with an impossible port: %v", err)
	}
}

// TestWebhookEndpointUpdateNoChange: an update that changes nothing (a
// PATCH of {}, or of the values held) keeps updatedAt, as other
// resources do; a change or a rotation sets it.
func TestWebhookEndpointUpdateNoChange(t *testing.T) {
	t.Parallel()
	then := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	now := then.Add(time.Hour)
	old := &enroll.WebhookEndpoint{ID: "whe_1", URL: "https://hooks.example.com/", Enabled: true, Description: "CRM",
		EventTypes: []enroll.EventType{enroll.EventProgramCreated}, CreatedAt: then, UpdatedAt: then}
	for name, tc := range map[string]struct {
		fn   func(*enroll.WebhookEndpoint) error
		want time.Time
	}{
		"nothing":         {func(*enroll.WebhookEndpoint) error { return nil }, then},
		"the same values": {func(ep *enroll.WebhookEndpoint) error { ep.Enabled, ep.Description = true, "CRM"; return nil }, then},
		"the same types": {func(ep *enroll.WebhookEndpoint) error {
			ep.EventTypes = []enroll.EventType{enroll.EventProgramCreated}
			return nil
		}, then},
		"a change":   {func(ep *enroll.WebhookEndpoint) error { ep.Enabled = false; return nil }, now},
		"new types":  {func(ep *enroll.WebhookEndpoint) error { ep.EventTypes = nil; return nil }, now},
		"a rotation": {func(ep *enroll.WebhookEndpoint) error { ep.RotateOnUpdate(); return nil }, now},
	} {
		ep, err := enroll.UpdateWebhookEndpoint(old, tc.fn, now)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !ep.UpdatedAt.Equal(tc.want) {
			t.Errorf("%s: updatedAt %v, want %v", name, ep.UpdatedAt, tc.want)
		}
	}
}
