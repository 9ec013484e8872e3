package console

import (
	"context"
	"encoding/json"
	"time"

	"github.com/enrollhq/enroll"
)

// shownSecretTTL bounds how long a new signing secret waits in the session
// for the page that shows it (the redirect right after the POST).
const shownSecretTTL = 5 * time.Minute

// shownSecret is a signing secret that a create or a rotation just made,
// kept in the session between the POST and the page it redirects to, so
// the page shows it once and a reload (or the back button) does not show
// it, nor post the form again. The session stores it as JSON; the store
// holds endpoints' secrets anyway, to sign with.
type shownSecret struct {
	EndpointID string `json:"endpointId"`
	Secret     string `json:"secret"`
	// Rotated is set when the secret replaced another, which keeps signing
	// until PreviousExpiresAt.
	Rotated           bool       `json:"rotated,omitempty"`
	PreviousExpiresAt *time.Time `json:"previousExpiresAt,omitempty"`
	At                time.Time  `json:"at"`
}

// setSecret leaves ep's new secret for the next page of s that shows ep.
func (ss *sessions) setSecret(ctx context.Context, s *session, ep *enroll.WebhookEndpoint, rotated bool) {
	sec := shownSecret{EndpointID: ep.ID, Secret: ep.Secret, Rotated: rotated, At: ss.now()}
	if rotated {
		sec.PreviousExpiresAt = ep.PreviousSecretExpiresAt
	}
	b, _ := json.Marshal(sec) // strings and times: cannot fail
	s.Secret = string(b)
	ss.failed(ss.store.SetConsoleSecret(ctx, s.ID, s.Secret), "new signing secret")
}

// takeSecret returns, once, the secret left for endpoint id, nil when there
// is none or it waited too long. A live secret of another endpoint is
// left; one that waited too long (or cannot be read) is dropped. The store
// clears the secret only if it is still the one s was read with, so a
// secret that another request took meanwhile is not shown twice, and one
// that another request left meanwhile is not dropped.
func (ss *sessions) takeSecret(ctx context.Context, s *session, id string) *shownSecret {
	if s.Secret == "" {
		return nil
	}
	var sec shownSecret
	live := json.Unmarshal([]byte(s.Secret), &sec) == nil && ss.now().Sub(sec.At) <= shownSecretTTL
	if live && sec.EndpointID != id {
		return nil // another endpoint's page: leave it
	}
	taken, err := ss.store.TakeConsoleSecret(ctx, s.ID, s.Secret)
	ss.failed(err, "new signing secret")
	s.Secret = ""
	if !live || (err == nil && !taken) {
		return nil
	}
	// Taken, or the store failed (or the session is gone) and cannot say:
	// then the page shows it, since a lost secret can only be rotated.
	return &sec
}
