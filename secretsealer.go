package enroll

import (
	"errors"
	"fmt"
	"strings"
)

// SecretSealer encrypts, at rest, the secrets the service must read back
// to use: webhook signing secrets, which HMAC needs as they are, so a hash
// would not do. Package seal implements it with AES-256-GCM under keys
// the operator holds (enroll serve --secrets-key); stores given one seal
// every secret they write and open every one they read.
type SecretSealer interface {
	// Seal encrypts plaintext bound to additional (the record it belongs
	// to), returning text that names its scheme and the key that sealed
	// it, and that starts with that key's prefix (KeyPrefixes).
	Seal(plaintext, additional string) (string, error)
	// Open returns the plaintext of a value Seal returned with the same
	// additional. Its error wraps ErrNotSealed for a value that is not
	// sealed, ErrSealKeyUnknown for one sealed by none of its keys, and
	// ErrSealBroken for one altered or bound to another record.
	Open(sealed, additional string) (string, error)
	// KeyPrefixes returns the prefix of the values each of its keys
	// seals, the sealing key's first: a sealed value starting with none
	// of them cannot be opened, and one not starting with the first is
	// sealed again under it (WebhookStore.SealWebhookSecrets).
	KeyPrefixes() []string
}

// Errors of SecretSealer.Open, and of opening webhook secrets.
var (
	// ErrNotSealed is a value that is not sealed.
	ErrNotSealed = errors.New("not a sealed value")
	// ErrSealKeyUnknown is a sealed value that none of the keys sealed,
	// or a sealed value read without any key.
	ErrSealKeyUnknown = errors.New("sealed under a key that is not configured")
	// ErrSealBroken is a sealed value that was altered, or moved from
	// the record it was sealed for.
	ErrSealBroken = errors.New("sealed value altered or moved from its record")
)

// PlainWebhookSecret reports whether stored is a signing secret stored as
// it is (before sealing was configured, or without it), not sealed:
// signing secrets start with whsec_, sealed values never do.
func PlainWebhookSecret(stored string) bool { return strings.HasPrefix(stored, webhookSecretPrefix) }

// webhookSecretBinding is the additional data a signing secret is sealed
// with: the endpoint's workspace and id, so that a sealed value copied to
// another endpoint's row does not open there.
func webhookSecretBinding(wsID, endpointID string) string {
	return "webhook_endpoints.secrets\x00" + wsID + "\x00" + endpointID
}

// SealWebhookSecrets returns secrets (an endpoint's, as they are in
// memory: plain) sealed by s for endpoint endpointID of workspace wsID,
// as stores write them; with a nil s, secrets themselves. A value sealed
// already is opened and sealed again, so that one sealed under an older
// key moves to the sealing one.
func SealWebhookSecrets(s SecretSealer, wsID, endpointID string, secrets []WebhookSecret) ([]WebhookSecret, error) {
	if s == nil {
		return secrets, nil
	}
	ad := webhookSecretBinding(wsID, endpointID)
	out := make([]WebhookSecret, len(secrets))
	for i, sec := range secrets {
		plain := sec.Secret
		if !PlainWebhookSecret(plain) {
			var err error
			if plain, err = s.Open(plain, ad); err != nil {
				return nil, fmt.Errorf("webhook endpoint %s: open its signing secret: %w", endpointID, err)
			}
		}
		sealed, err := s.Seal(plain, ad)
		if err != nil {
			return nil, fmt.Errorf("webhook endpoint %s: seal its signing secret: %w", endpointID, err)
		}
		out[i] = WebhookSecret{Secret: sealed, ExpiresAt: sec.ExpiresAt}
	}
	return out, nil
}

// OpenWebhookSecrets returns secrets as a store read them, plain: those
// stored plain as they are, sealed ones opened by s. A sealed value with
// a nil s, or that s cannot open, is an error wrapping ErrSealKeyUnknown
// or ErrSealBroken.
func OpenWebhookSecrets(s SecretSealer, wsID, endpointID string, secrets []WebhookSecret) ([]WebhookSecret, error) {
	out := make([]WebhookSecret, len(secrets))
	for i, sec := range secrets {
		out[i] = sec
		if PlainWebhookSecret(sec.Secret) {
			continue
		}
		if s == nil {
			return nil, fmt.Errorf("webhook endpoint %s: its signing secret is sealed and no key is configured: %w", endpointID, ErrSealKeyUnknown)
		}
		plain, err := s.Open(sec.Secret, webhookSecretBinding(wsID, endpointID))
		if err != nil {
			return nil, fmt.Errorf("webhook endpoint %s: open its signing secret: %w", endpointID, err)
		}
		out[i].Secret = plain
	}
	return out, nil
}

// OpenEndpointSecrets opens the secrets of ep, as a store read them
// (plain or sealed), with s (nil: no key), so that they are plain in
// memory, and clears its SecretError. When one does not open (altered,
// moved from another endpoint's row, or sealed under a key s lacks), it
// returns why, wrapping ErrSealKeyUnknown or ErrSealBroken, and leaves
// ep readable all the same: without Secrets to sign with, SecretError
// saying why, and the secrets as read kept for StoredWebhookSecrets. So
// reading or changing that endpoint works, a change that does not rotate
// its secret stores it again as it was, and a rotation replaces it.
func OpenEndpointSecrets(s SecretSealer, ep *WebhookEndpoint) error {
	plain, err := OpenWebhookSecrets(s, ep.WorkspaceID, ep.ID, ep.Secrets)
	if err != nil {
		ep.unopened, ep.Secrets, ep.SecretError = ep.Secrets, nil, secretErrorText(err)
		return err
	}
	ep.Secrets, ep.unopened, ep.SecretError = plain, nil, ""
	return nil
}

// StoredWebhookSecrets returns what a store writes as ep's secrets: those
// that did not open (OpenEndpointSecrets) as they were read, else
// ep.Secrets sealed by s (SealWebhookSecrets).
func StoredWebhookSecrets(s SecretSealer, ep *WebhookEndpoint) ([]WebhookSecret, error) {
	if ep.unopened != nil {
		return ep.unopened, nil
	}
	return SealWebhookSecrets(s, ep.WorkspaceID, ep.ID, ep.Secrets)
}

// secretErrorText is the SecretError of an endpoint whose secrets did
// not open with err: for its owner, as WebhookSecretsError is for an
// attempt, with what ends it.
func secretErrorText(err error) string {
	if errors.Is(err, ErrSealKeyUnknown) {
		return "The signing secret is sealed under a key the service is not configured with: deliveries are not sent until the secret is rotated (or the service is given that key)."
	}
	return "The signing secret cannot be opened: it was altered or damaged. Deliveries are not sent until the secret is rotated."
}

// WebhookSecretsError is the attempt error of a delivery whose
// endpoint's secrets could not be opened (err from OpenWebhookSecrets):
// it names the cause for the endpoint's owner without the store's
// wording, and tells the operator's part from a damaged value.
func WebhookSecretsError(err error) string {
	if errors.Is(err, ErrSealKeyUnknown) {
		return "not sent: the endpoint's signing secret is sealed under a key the service is not configured with"
	}
	return "not sent: the endpoint's signing secret cannot be opened: it was altered or damaged"
}

// SealedSecretError is the error of a store whose endpoint id holds value,
// a signing secret sealed under none of its keys (keyed: it has some; else
// it has none). It names the value's scheme and key id (what precedes its
// last colon), never the value, and wraps ErrSealKeyUnknown.
func SealedSecretError(id, value string, keyed bool) error {
	as := "in a form no key reads"
	if i := strings.LastIndexByte(value, ':'); i >= 0 {
		as = fmt.Sprintf("sealed as %q", value[:i])
	}
	if !keyed {
		return fmt.Errorf("webhook endpoint %s (and perhaps others) holds a signing secret %s, and no key is configured: %w", id, as, ErrSealKeyUnknown)
	}
	return fmt.Errorf("webhook endpoint %s (and perhaps others) holds a signing secret %s, under none of the keys configured: %w", id, as, ErrSealKeyUnknown)
}
