package enroll

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Idempotency (SPEC §8): a POST that carries an Idempotency-Key runs at most
// once per workspace and key within IdempotencyTTL; a retry gets the first
// response back. The protocol survives a crash at any point:
//
//  1. The HTTP layer claims the key in a transaction of its own
//     (IdempotencyStore.ClaimIdempotencyKey): the record is in_progress and
//     the claim carries a fresh token.
//  2. The request's work runs with the claim in its context
//     (NewContextWithIdempotencyClaim). The store's write transaction marks
//     the claim committed, together with the id of the object it created,
//     in the SAME transaction as the work, and only if the claim still holds
//     the token: the work and "the work is done" commit together or not at
//     all, and a claim taken over by a retry fences its first holder out.
//  3. The HTTP layer stores the response (CompleteIdempotencyKey), or, for
//     a 5xx, releases an in_progress claim (ReleaseIdempotencyKey) so the
//     retry runs again.
//
// A retry that finds a committed record without a response (the server died
// between 2 and 3) rebuilds the response from the object; one that finds an
// in_progress record whose lease expired (the server died before 2 finished)
// takes the claim over and runs the work, which was never committed.

// IdempotencyTTL is how long an Idempotency-Key and its response are kept.
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKeyLength bounds an Idempotency-Key.
const MaxIdempotencyKeyLength = 255

// IdempotencyState is where a keyed request stands.
type IdempotencyState string

// The states of an idempotency record.
const (
	// IdempotencyInProgress: claimed; the work has not committed.
	IdempotencyInProgress IdempotencyState = "in_progress"
	// IdempotencyCommitted: the work committed; the response is not stored.
	IdempotencyCommitted IdempotencyState = "committed"
	// IdempotencyCompleted: the response is stored and is replayed.
	IdempotencyCompleted IdempotencyState = "completed"
)

// ObjectKind names the kind of object a keyed request creates, so that the
// store can record the new object's id with the claim and a retry can
// rebuild the response from it.
type ObjectKind string

// The kinds of object a POST creates.
const (
	KindProgram    ObjectKind = "program"
	KindInstance   ObjectKind = "programInstance"
	KindCustomer   ObjectKind = "customer"
	KindLead       ObjectKind = "lead"
	KindEnrollment ObjectKind = "enrollment"
	KindAPIKey     ObjectKind = "apiKey"
	// KindWebhookEndpoint is a webhook endpoint; its replayed creation has
	// no secret, like an API key's.
	KindWebhookEndpoint ObjectKind = "webhookEndpoint"
	// KindWebhookDelivery is a delivery a redelivery request queued.
	KindWebhookDelivery ObjectKind = "webhookDelivery"
)

// IdempotencyRecord is the stored state of one Idempotency-Key.
type IdempotencyRecord struct {
	WorkspaceID string
	Key         string
	// RequestHash is IdempotencyFingerprint of the request that claimed the
	// key; a request with the same key and another hash is refused.
	RequestHash string
	State       IdempotencyState
	// Token identifies the current claim; a takeover replaces it.
	Token string
	// ObjectID is the object the work created, recorded with the commit
	// (empty when the request changes an existing object).
	ObjectID string
	// Response is set once State is IdempotencyCompleted.
	Response *IdempotentResponse
	// CreatedAt is when the key was first claimed; the record expires
	// IdempotencyTTL later.
	CreatedAt time.Time
	// LockedAt is when the current claim was taken; an in_progress claim
	// older than the caller's lease may be taken over.
	LockedAt time.Time
}

// IdempotentResponse is a stored response: status, the headers worth
// replaying (Content-Type, Location, ETag) and the body.
type IdempotentResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// IdempotencyClaim is a claim on a key, carried in the context of the work
// it guards so that the store commits it with the work.
type IdempotencyClaim struct {
	WorkspaceID string
	Key         string
	Token       string
	// Creates is the kind of object the work creates; "" when it changes an
	// existing one.
	Creates ObjectKind
}

type idempotencyClaimKey struct{}

// NewContextWithIdempotencyClaim returns a copy of ctx that carries c; a nil
// c hides any claim ctx carried.
func NewContextWithIdempotencyClaim(ctx context.Context, c *IdempotencyClaim) context.Context {
	return context.WithValue(ctx, idempotencyClaimKey{}, c)
}

// IdempotencyClaimFromContext returns the claim ctx carries, or nil.
func IdempotencyClaimFromContext(ctx context.Context) *IdempotencyClaim {
	c, _ := ctx.Value(idempotencyClaimKey{}).(*IdempotencyClaim)
	return c
}

// ValidIdempotencyKey reports whether k is 1 to MaxIdempotencyKeyLength
// printable ASCII characters: safe to store, log and compare.
func ValidIdempotencyKey(k string) bool {
	if k == "" || len(k) > MaxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// IdempotencyFingerprint returns the hash that makes two keyed requests "the
// same request": the API key that sends it, the method, the path, the
// body's media type when it is not JSON, and the body. Binding the API key
// means a key of the workspace never receives a response made for another
// key, whose instance limits may differ. The media type decides how an
// import's body is read (CSV or NDJSON), so a retry that corrects it is
// another request; JSON's is left out. A JSON body counts by what it says,
// not how it is written (canonicalJSON): a retry that a client library
// serialized with its members in another order, or other spacing, is the
// same request.
func IdempotencyFingerprint(apiKeyID, method, path, mediaType string, body []byte) string {
	if mediaType == "" || mediaType == "application/json" || mediaType == "application/merge-patch+json" {
		body = canonicalJSON(body)
	}
	return IdempotencyFingerprintRaw(apiKeyID, method, path, mediaType, body)
}

// IdempotencyFingerprintRaw is IdempotencyFingerprint of the body's bytes
// as they are: the fingerprint of every body before JSON bodies were read
// by what they say, which a record stored then holds. A retry of such a
// request made across the upgrade matches it.
func IdempotencyFingerprintRaw(apiKeyID, method, path, mediaType string, body []byte) string {
	h := sha256.New()
	parts := []string{apiKeyID, method, path}
	if mediaType != "" && mediaType != "application/json" {
		parts = append(parts, mediaType)
	}
	for _, part := range parts {
		// Length prefixes keep ("ab","c") and ("a","bc") apart.
		h.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON returns the JSON document b with its objects' members in
// the order of their names and no spacing, numbers and strings' values as
// they are; b itself when it is not one JSON document, or has a
// JSONProblem: {"a": 1, "a": 2}, refused, must not match {"a": 2}.
func canonicalJSON(b []byte) []byte {
	if CheckJSON(b) != nil {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return b
	}
	c, err := json.Marshal(v) // maps are written sorted by key
	if err != nil {
		return b
	}
	return c
}

// IdempotencyStore keeps idempotency records. Every Store should implement
// it; the HTTP server answers requests with an Idempotency-Key with 501 on a
// store that does not.
//
// Besides these methods, the store's write transactions take part in the
// protocol: a write whose context carries an IdempotencyClaim marks that
// claim committed in the same transaction, recording the id of the object of
// kind claim.Creates that the transaction inserted, and only while the
// record is in_progress under claim.Token. When the record is not (the claim
// was taken over or released, or already committed by an earlier write) the
// write fails with ECONFLICT and nothing of it is stored.
type IdempotencyStore interface {
	// ClaimIdempotencyKey claims key in workspace wsID for a request with
	// fingerprint hash, in a transaction of its own. A record older than
	// IdempotencyTTL is deleted first. With no record, it stores an
	// in_progress one with a new token and returns it with claimed true.
	// An in_progress record with the same hash whose LockedAt is older than
	// lease is taken over: new token, LockedAt now, claimed true. Any other
	// record is returned as it is with claimed false; the caller compares
	// its RequestHash and State. Returns EINVALID for an invalid key, empty
	// hash or non-positive lease.
	ClaimIdempotencyKey(ctx context.Context, wsID, key, hash string, lease time.Duration) (rec *IdempotencyRecord, claimed bool, err error)
	// CompleteIdempotencyKey stores the response of the request holding
	// token, in_progress or committed, and makes the record completed.
	// Returns ECONFLICT when the record is not held by token or is already
	// completed, ENOTFOUND when there is no record.
	CompleteIdempotencyKey(ctx context.Context, wsID, key, token string, resp *IdempotentResponse) error
	// ReleaseIdempotencyKey deletes the record if it is in_progress under
	// token, so that a retry runs the request again; otherwise (committed,
	// completed, taken over, gone) it does nothing. Never ENOTFOUND.
	ReleaseIdempotencyKey(ctx context.Context, wsID, key, token string) error
	// DeleteExpiredIdempotencyKeys deletes the records of every workspace
	// created before before, and returns how many it deleted.
	DeleteExpiredIdempotencyKeys(ctx context.Context, before time.Time) (int, error)
}
