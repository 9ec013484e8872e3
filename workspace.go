package enroll

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Workspace is the tenant: every other object belongs to exactly one.
type Workspace struct {
	ID        string    `json:"id" doc:"Workspace id."`
	Name      string    `json:"name" doc:"Unique workspace name."`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks the workspace's fields.
func (w *Workspace) Validate() error {
	var v Invalid
	checkName(&v, "name", w.Name, true)
	if idShaped(w.Name) {
		// The CLI's --workspace takes an id or a name, ids first: this
		// name could be another workspace's id, as a slug could be.
		v.Add("name", "must not have the form of an id (24 lowercase letters and digits)", w.Name)
	}
	return v.Err()
}

// Scope is a permission an API key may hold.
type Scope string

// The scopes of SPEC §1. A secret key holds all of them.
const (
	// ScopeProgramsRead allows reading programs and program instances.
	ScopeProgramsRead Scope = "programs:read"
	// ScopeProgramsWrite allows creating, changing and deleting programs and instances.
	ScopeProgramsWrite Scope = "programs:write"
	// ScopeEnrollmentsRead allows reading enrollments, customers, leads and history.
	ScopeEnrollmentsRead Scope = "enrollments:read"
	// ScopeEnrollmentsWrite allows creating and changing enrollments,
	// customers and leads, except reviewer decisions.
	ScopeEnrollmentsWrite Scope = "enrollments:write"
	// ScopeEnrollmentsReview allows approving, rejecting and requesting action.
	ScopeEnrollmentsReview Scope = "enrollments:review"
	// ScopeEventsRead allows reading events.
	ScopeEventsRead Scope = "events:read"
	// ScopeWebhooksWrite allows managing webhook endpoints.
	ScopeWebhooksWrite Scope = "webhooks:write"
	// ScopeImportsWrite allows running imports.
	ScopeImportsWrite Scope = "imports:write"
	// ScopeKeysWrite allows creating, listing and revoking API keys.
	ScopeKeysWrite Scope = "keys:write"
)

// AllScopes lists every scope.
var AllScopes = []Scope{
	ScopeProgramsRead, ScopeProgramsWrite, ScopeEnrollmentsRead, ScopeEnrollmentsWrite,
	ScopeEnrollmentsReview, ScopeEventsRead, ScopeWebhooksWrite, ScopeImportsWrite, ScopeKeysWrite,
}

// KeyKind tells a secret key from a scoped one.
type KeyKind string

const (
	// KeySecret has full access to its workspace.
	KeySecret KeyKind = "secret"
	// KeyScoped has only its Scopes, optionally only on ProgramInstanceIDs.
	KeyScoped KeyKind = "scoped"
)

// APIKey authenticates requests to one workspace. Only a hash of the secret
// is stored; the secret itself is returned once, at creation.
type APIKey struct {
	ID                 string     `json:"id"`
	WorkspaceID        string     `json:"-"`
	Name               string     `json:"name"`
	Kind               KeyKind    `json:"kind" enum:"secret,scoped"`
	Prefix             string     `json:"prefix" doc:"The first characters of the secret, to recognise the key."`
	Scopes             []Scope    `json:"scopes"`
	ProgramInstanceIDs []string   `json:"programInstanceIds" doc:"When not empty, the key sees only these program instances."`
	CreatedAt          time.Time  `json:"createdAt"`
	LastUsedAt         *time.Time `json:"lastUsedAt"`
	RevokedAt          *time.Time `json:"revokedAt"`
	// CreatedBy is the id of the key whose request made this one (see
	// SetMaker), so that the keys a leaked key made can be found and
	// revoked with it (KeysMadeBy).
	CreatedBy *string `json:"createdBy" doc:"The id of the API key whose request made this key; null for a key made by the enroll CLI (key create, workspace create) or before keys recorded their maker. GET /v1/apiKeys?createdBy= lists the keys a key made, and DELETE /v1/apiKeys/{keyId}?cascade=true revokes them with it."`
	// Hash is the hex SHA-256 of the secret. Secrets carry 256 bits of
	// entropy, so a fast hash is safe and lets lookups use an index.
	Hash string `json:"-"`
}

// secretPrefix starts every secret key so leaked keys are recognisable.
const secretPrefix = "sk_"

// NewAPIKey makes a key for workspace wsID and returns it with its secret.
// A key with no scopes is a secret key holding all of them.
func NewAPIKey(wsID, name string, scopes []Scope, instanceIDs []string, now time.Time) (*APIKey, string) {
	secret := secretPrefix + randomToken(32)
	k := &APIKey{
		ID: NewID(), WorkspaceID: wsID, Name: name, Kind: KeySecret,
		Prefix: secret[:len(secretPrefix)+8], Scopes: AllScopes,
		ProgramInstanceIDs: instanceIDs, CreatedAt: now, Hash: HashSecret(secret),
	}
	if k.ProgramInstanceIDs == nil {
		k.ProgramInstanceIDs = []string{}
	}
	if len(scopes) > 0 || len(instanceIDs) > 0 {
		k.Kind = KeyScoped
		if len(scopes) > 0 {
			k.Scopes = scopes
		}
	}
	return k, secret
}

// Validate checks the key's name, its scopes (each known, none listed
// twice) and its program instance ids (each an id, none listed twice).
// Every way of making a key (the API, the CLI) reaches it through the
// store, so each refuses the same keys with the same EINVALID error.
func (k *APIKey) Validate() error {
	var v Invalid
	checkName(&v, "name", k.Name, false)
	for i, s := range k.Scopes {
		if !slices.Contains(AllScopes, s) {
			v.Add(loc("scopes", i), "unknown scope; the scopes are "+scopeList(), string(s))
		} else if slices.Contains(k.Scopes[:i], s) {
			v.Add(loc("scopes", i), "is listed twice", string(s))
		}
	}
	for i, id := range k.ProgramInstanceIDs {
		if !ValidID(id) {
			v.Add(loc("programInstanceIds", i), "not an id", id)
		} else if slices.Contains(k.ProgramInstanceIDs[:i], id) {
			v.Add(loc("programInstanceIds", i), "is listed twice", id)
		}
	}
	return v.Err()
}

// scopeList names every scope, for messages.
func scopeList() string {
	names := make([]string, len(AllScopes))
	for i, s := range AllScopes {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Has reports whether the key holds scope s.
func (k *APIKey) Has(s Scope) bool { return slices.Contains(k.Scopes, s) }

// Covers reports whether the key holds every scope of o and sees every
// instance o sees: whether it could have made o. A key sees, and may
// revoke, only the keys it covers, so a narrower key cannot lock out a
// broader one.
func (k *APIKey) Covers(o *APIKey) bool {
	for _, s := range o.Scopes {
		if !k.Has(s) {
			return false
		}
	}
	if len(k.ProgramInstanceIDs) == 0 {
		return true
	}
	if len(o.ProgramInstanceIDs) == 0 {
		return false
	}
	for _, id := range o.ProgramInstanceIDs {
		if !k.SeesInstance(id) {
			return false
		}
	}
	return true
}

// SeesInstance reports whether the key may see program instance id.
func (k *APIKey) SeesInstance(id string) bool {
	return len(k.ProgramInstanceIDs) == 0 || slices.Contains(k.ProgramInstanceIDs, id)
}

// HashSecret returns the stored form of an API key secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeSecret reports whether s has the shape of a key secret, so
// malformed bearer tokens are refused before any lookup.
func LooksLikeSecret(s string) bool {
	return strings.HasPrefix(s, secretPrefix) && len(s) > len(secretPrefix)+16 && len(s) < 128
}

const tokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomToken returns n random base-62 characters.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		// 256 is not a multiple of 62; the bias is negligible at 256 bits.
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}
