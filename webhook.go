package enroll

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook limits.
const (
	// MaxWebhookURLLength bounds an endpoint's URL.
	MaxWebhookURLLength = 2048
	// SecretRotationOverlap is how long a rotated-out secret keeps signing
	// next to the new one, so receivers can switch without dropping events.
	SecretRotationOverlap = 24 * time.Hour
	// MaxEarlierSecrets bounds the rotated-out secrets that sign next to
	// the current one: each adds a signature (about 48 bytes) to every
	// delivery's webhook-signature header, and receivers refuse large
	// headers (nginx at 8 KB, Node at 16 KB), so unbounded rotations
	// within a day would fail every delivery until they expired. A
	// rotation beyond drops the oldest earlier secret at once.
	MaxEarlierSecrets = 3
	// webhookSecretPrefix starts every signing secret (Standard Webhooks).
	webhookSecretPrefix = "whsec_"
	// webhookSecretBytes is the size of a signing key: 256 bits, as the
	// HMAC-SHA256 it keys.
	webhookSecretBytes = 32
)

// WebhookEndpoint is a URL that receives signed events (SPEC §6).
type WebhookEndpoint struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"-"`
	// URL receives a POST per event.
	URL string `json:"url"`
	// EventTypes are the types sent; empty means every type.
	EventTypes  []EventType `json:"eventTypes"`
	Description string      `json:"description" nullable:"true"`
	// Enabled endpoints receive events; a 410 answer disables one.
	Enabled bool `json:"enabled"`
	// DisabledReason says why the service disabled the endpoint, if it did.
	DisabledReason string `json:"disabledReason" nullable:"true"`
	// Secret is the signing secret, set only in the answer that created or
	// rotated it: it is shown once.
	Secret string `json:"secret,omitempty"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops signing.
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt"`
	// SecretError says why the service cannot sign with the endpoint's
	// secret, when the stored secret does not open (OpenEndpointSecrets):
	// deliveries are not sent until a rotation replaces it. Computed on
	// every read, never stored.
	SecretError string `json:"secretError" nullable:"true" doc:"Null, or why the service cannot sign with the endpoint's signing secret: the secret stored does not open (altered or damaged, or sealed under a key the service is not given). Its deliveries are not sent, each attempt failing with that reason, until the secret is rotated."`
	// Secrets are the signing secrets, newest first: the current one and
	// the rotated-out ones until they expire, at most MaxEarlierSecrets.
	// Never serialized to API clients; stores keep them in their own
	// column. Nil when they do not open (SecretError).
	Secrets   []WebhookSecret `json:"-"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`

	// rotate asks UpdateWebhookEndpoint to rotate the secret at the
	// store's time.
	rotate bool
	// unopened holds the secrets as the store read them when they did not
	// open, so that a write that does not rotate them stores them again
	// as they were (a start with the right key may still open them).
	unopened []WebhookSecret
}

// MarshalJSON writes the endpoint's representation, with null for a
// member without a value (nulljson.go); the secret appears only where it
// is shown, once.
func (ep WebhookEndpoint) MarshalJSON() ([]byte, error) {
	secretError := orNull(ep.SecretError)
	return ep.marshal(&secretError)
}

// MarshalDoc returns the endpoint as stores keep it in their document
// column: json.Marshal of its representation without secretError, which
// every read computes from the secrets (OpenEndpointSecrets), so that no
// stale one is kept.
func (ep *WebhookEndpoint) MarshalDoc() ([]byte, error) { return json.Marshal(webhookEndpointDoc(*ep)) }

// webhookEndpointDoc is an endpoint as MarshalDoc writes it.
type webhookEndpointDoc WebhookEndpoint

// MarshalJSON writes the representation without secretError.
func (d webhookEndpointDoc) MarshalJSON() ([]byte, error) { return WebhookEndpoint(d).marshal(nil) }

// marshal writes the representation, its secretError member left out
// when secretError is nil (a document), else null or its text.
func (ep WebhookEndpoint) marshal(secretError **string) ([]byte, error) {
	return marshalMembers(struct {
		ID                      string      `json:"id"`
		URL                     string      `json:"url"`
		EventTypes              []EventType `json:"eventTypes"`
		Description             *string     `json:"description"`
		Enabled                 bool        `json:"enabled"`
		DisabledReason          *string     `json:"disabledReason"`
		Secret                  string      `json:"secret,omitempty"`
		PreviousSecretExpiresAt *time.Time  `json:"previousSecretExpiresAt"`
		SecretError             **string    `json:"secretError,omitempty"`
		CreatedAt               time.Time   `json:"createdAt"`
		UpdatedAt               time.Time   `json:"updatedAt"`
	}{ep.ID, ep.URL, ep.EventTypes, orNull(ep.Description), ep.Enabled, orNull(ep.DisabledReason), ep.Secret,
		ep.PreviousSecretExpiresAt, secretError, ep.CreatedAt, ep.UpdatedAt})
}

// RotateOnUpdate asks the update under way to rotate the endpoint's secret
// (see Rotate) at the time the store writes it.
func (ep *WebhookEndpoint) RotateOnUpdate() { ep.rotate = true }

// WebhookSecret is one signing secret of an endpoint.
type WebhookSecret struct {
	Secret string `json:"secret"`
	// ExpiresAt is when a rotated-out secret stops signing; nil for the
	// current secret.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// NewWebhookSecret returns a new random signing secret, "whsec_" and the
// base64 of 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, webhookSecretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// WebhookSecretKey returns the HMAC key of a secret: the bytes its base64
// part encodes. Returns EINVALID for a malformed secret.
func WebhookSecretKey(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, webhookSecretPrefix))
	if err != nil || !strings.HasPrefix(secret, webhookSecretPrefix) || len(b) == 0 {
		return nil, Errorf(EINVALID, "A webhook secret must be whsec_ followed by base64.")
	}
	return b, nil
}

// SigningSecrets returns the secrets that sign at now, newest first: the
// current one and at most MaxEarlierSecrets earlier ones still within
// their overlap. The bound applies here too, for endpoints rotated more
// often before Rotate kept to it.
func (ep *WebhookEndpoint) SigningSecrets(now time.Time) []string {
	var out []string
	for _, s := range ep.Secrets {
		if s.ExpiresAt == nil || now.Before(*s.ExpiresAt) {
			out = append(out, s.Secret)
		}
	}
	return out[:min(len(out), 1+MaxEarlierSecrets)]
}

// Rotate replaces the current secret with a new one, shown once in
// ep.Secret; the old one signs alongside for SecretRotationOverlap.
// Expired secrets are dropped, and so are the oldest earlier ones past
// MaxEarlierSecrets. Secrets that did not open (SecretError) cannot sign:
// they are dropped, the new secret signs alone, and
// PreviousSecretExpiresAt is nil, as for a new endpoint.
func (ep *WebhookEndpoint) Rotate(now time.Time) {
	exp := now.Add(SecretRotationOverlap)
	next := []WebhookSecret{{Secret: NewWebhookSecret()}}
	for _, s := range ep.Secrets {
		switch {
		case len(next) > MaxEarlierSecrets:
			// Newest first: the rest are older still.
		case s.ExpiresAt == nil:
			next = append(next, WebhookSecret{Secret: s.Secret, ExpiresAt: &exp})
		case now.Before(*s.ExpiresAt):
			next = append(next, s)
		}
	}
	ep.Secrets, ep.Secret = next, next[0].Secret
	ep.PreviousSecretExpiresAt = nil
	if len(next) > 1 {
		ep.PreviousSecretExpiresAt = &exp
	}
	ep.unopened, ep.SecretError = nil, ""
}

// Wants reports whether the endpoint takes events of type t.
func (ep *WebhookEndpoint) Wants(t EventType) bool {
	return len(ep.EventTypes) == 0 || slices.Contains(ep.EventTypes, t)
}

// Validate checks an endpoint's fields. Private and loopback addresses are
// checked when events are sent (see package webhook), where the resolved
// address is known. Returns EINVALID.
func (ep *WebhookEndpoint) Validate() error { return ep.validate(true) }

// validate is Validate; address says whether to check the URL's host and
// port as well, which an update does only when it changes the URL, so an
// endpoint saved before those checks can still be turned off or rotated.
func (ep *WebhookEndpoint) validate(address bool) error {
	var v Invalid
	checkWebhookURL(&v, "body.url", ep.URL, address, "must not carry credentials; authenticate the sender by its signature")
	checkText(&v, "body.description", ep.Description)
	if len(ep.EventTypes) > len(EventTypes) {
		v.Add("body.eventTypes", "lists too many types", len(ep.EventTypes))
	}
	for i, t := range ep.EventTypes {
		if !slices.Contains(EventTypes, t) {
			v.Add(loc("body.eventTypes", i), "unknown event type", string(t))
		} else if slices.Index(ep.EventTypes, t) != i {
			v.Add(loc("body.eventTypes", i), "is listed twice", string(t))
		}
	}
	return v.Err()
}

// checkWebhookURL checks that s is an absolute http or https URL without
// credentials (refused with credentials, the field's own message: the
// advice differs between a webhook and a link in a message) or fragment
// and, when address is set, that it names a host and a usable port:
// url.Parse takes any digits for a port, and a port no request can reach
// would fail every delivery for the three days of retries.
func checkWebhookURL(v *Invalid, field, s string, address bool, credentials string) {
	if s == "" {
		v.Add(field, "is required", nil)
		return
	}
	// Each its own message, as checkString gives them. Bytes that are not
	// UTF-8 (a console form's %ff) are refused: JSON cannot carry them, so
	// the API would show another URL (with U+FFFD) than the one posted to.
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8", nil)
		return
	case strings.ContainsRune(s, 0):
		v.Add(field, "must not contain NUL characters", s)
		return
	case utf8.RuneCountInString(s) > MaxWebhookURLLength:
		v.Add(field, "must be a URL of at most "+strconv.Itoa(MaxWebhookURLLength)+" characters", s)
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "":
		v.Add(field, "must be an absolute http or https URL", s)
	case u.Scheme != "https" && u.Scheme != "http":
		v.Add(field, "must use http or https", s)
	case u.User != nil:
		v.Add(field, credentials, s)
	case u.Fragment != "":
		v.Add(field, "must not have a fragment", s)
	case address && u.Hostname() == "":
		v.Add(field, "must name a host", s)
	case address && !validPort(u.Port()):
		v.Add(field, "must have a port from 1 to 65535", s)
	}
}

// validPort reports whether p, a URL's port, is absent or one a connection
// can use.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// PublicAddress reports whether ip is one webhooks may reach without the
// operator allowing private networks: not loopback, private (RFC 1918,
// RFC 4193, and IPv6 site-local fec0::/10), link-local, unspecified,
// multicast, CGNAT or documentation ranges.
func PublicAddress(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublicPrefixes are ranges net/netip does not classify but that never
// lead to a public receiver.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 may reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64 (RFC 8215), which may carry private IPv4
	netip.MustParsePrefix("2002::/16"),       // 6to4 (deprecated), an IPv4 address inside
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), an IPv4 address inside
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated by RFC 3879, still routed privately)
}

// NewWebhookEndpointID returns a new endpoint id.
func NewWebhookEndpointID() string { return "whe_" + NewID() }

// Prepare normalizes an endpoint as stores keep it: EventTypes never nil.
func (ep *WebhookEndpoint) Prepare() {
	if ep.EventTypes == nil {
		ep.EventTypes = []EventType{}
	}
}

// UpdateWebhookEndpoint applies fn to a copy of old at now and returns the
// endpoint to store: identity and times kept, secrets kept unless fn
// rotated them (secrets that did not open kept as they were read, with
// their SecretError), DisabledReason cleared when fn enables it. UpdatedAt
// becomes now only when something changed: a PATCH of {}, or of the
// values held, changes nothing, as for other resources. Returns EINVALID
// or fn's error.
func UpdateWebhookEndpoint(old *WebhookEndpoint, fn func(*WebhookEndpoint) error, now time.Time) (*WebhookEndpoint, error) {
	ep := *old
	ep.EventTypes = slices.Clone(old.EventTypes)
	ep.Secrets = slices.Clone(old.Secrets)
	ep.Secret = ""
	ep.rotate = false
	if err := fn(&ep); err != nil {
		return nil, err
	}
	rotated := ep.rotate
	if rotated {
		ep.rotate = false
		ep.Rotate(now)
	} else if ep.Secret == "" && old.unopened != nil {
		// Not rotated: the secrets that did not open stay as read, even
		// through fn's copy (a patch decodes one, which loses them).
		ep.Secrets, ep.unopened, ep.SecretError = nil, old.unopened, old.SecretError
	}
	ep.ID, ep.WorkspaceID, ep.CreatedAt, ep.UpdatedAt = old.ID, old.WorkspaceID, old.CreatedAt, old.UpdatedAt
	if ep.Enabled && !old.Enabled {
		ep.DisabledReason = ""
	}
	ep.Prepare()
	if err := ep.validate(ep.URL != old.URL); err != nil {
		return nil, err
	}
	if rotated || len(Diff(old, &ep)) > 0 {
		ep.UpdatedAt = now
	}
	return &ep, nil
}

// Disable turns an endpoint off for reason, as the service does when the
// receiver answers 410 Gone.
func (ep *WebhookEndpoint) Disable(reason string, now time.Time) {
	ep.Enabled, ep.DisabledReason, ep.UpdatedAt = false, reason, now
}

// DisableGone disables the endpoint as a 410 Gone to j's attempt asks,
// unless the endpoint changed since j was claimed: an attempt under way
// while its URL was moved, or while it was enabled again after an
// earlier 410, answers for what the endpoint was, and disabling it would
// stop deliveries to a receiver that never answered 410. It reports
// whether it disabled it.
func (ep *WebhookEndpoint) DisableGone(j *WebhookJob, now time.Time) bool {
	if !ep.Enabled || !ep.UpdatedAt.Equal(j.EndpointUpdatedAt) {
		return false
	}
	ep.Disable(DisabledByGone, now)
	return true
}

// DisabledByGone is the DisabledReason of an endpoint whose receiver
// answered 410 Gone.
const DisabledByGone = "The receiver answered 410 Gone; enable the endpoint again to resume deliveries."
