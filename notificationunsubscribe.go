package enroll

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// UnsubscribeLinkMarker is what {{.unsubscribeUrl}} renders to when a
// notification is queued. The queue does not know the server's public
// URL, and the token must stay out of the stored record the API shows, so
// the sender replaces the marker with the recipient's real link
// (UnsubscribeURL) as it builds the message.
const UnsubscribeLinkMarker = "https://enroll.invalid/unsubscribe"

// unsubscribeTokenPrefix starts every unsubscribe token.
const unsubscribeTokenPrefix = "uns_"

// Unsubscription is one address of a workspace that may unsubscribe, or
// did, from non-essential notifications. Its Token is the random,
// unguessable secret the address's unsubscribe links carry: whoever holds
// it may unsubscribe that address, nothing more.
type Unsubscription struct {
	WorkspaceID string
	// Email is the address, lower-cased (see UnsubscribeKey).
	Email string
	Token string
	// UnsubscribedAt is when the address unsubscribed; nil while it has not.
	UnsubscribedAt *time.Time
	CreatedAt      time.Time
}

// NewUnsubscribeToken returns a new token: 256 random bits, so tokens are
// neither guessable nor enumerable, and a token row needs no signature.
func NewUnsubscribeToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return unsubscribeTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ValidUnsubscribeToken reports whether s has a token's shape, so a
// mistyped link is refused without a database lookup.
func ValidUnsubscribeToken(s string) bool {
	rest, ok := strings.CutPrefix(s, unsubscribeTokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// UnsubscribeKey is the form of an address the suppression list keys on:
// lower-cased, since mailboxes differing only in case are, in practice,
// the same person.
func UnsubscribeKey(email string) string { return strings.ToLower(email) }

// UnsubscribeURL is the link that unsubscribes token's address, under the
// server's public base URL (e.g. "https://enroll.example.com").
func UnsubscribeURL(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/unsubscribe?token=" + token
}
