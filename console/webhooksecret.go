package console

import (
	"time"

	"github.com/enrollhq/enroll"
)

// shownSecretTTL bounds how long a new signing secret waits in the session
// for the page that shows it (the redirect right after the POST).
const shownSecretTTL = 5 * time.Minute

// shownSecret is a signing secret that a create or a rotation just made,
// kept in the session between the POST and the page it redirects to, so
// the page shows it once and a reload (or the back button) does not show
// it, nor post the form again.
type shownSecret struct {
	EndpointID string
	Secret     string
	// Rotated is set when the secret replaced another, which keeps signing
	// until PreviousExpiresAt.
	Rotated           bool
	PreviousExpiresAt *time.Time
	at                time.Time
}

// setSecret leaves ep's new secret for the next page of s that shows ep.
func (ss *sessions) setSecret(s *session, ep *enroll.WebhookEndpoint, rotated bool) {
	sec := &shownSecret{EndpointID: ep.ID, Secret: ep.Secret, Rotated: rotated, at: ss.now()}
	if rotated {
		sec.PreviousExpiresAt = ep.PreviousSecretExpiresAt
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.secret = sec
}

// takeSecret returns, once, the secret left for endpoint id, nil when there
// is none or it waited too long.
func (ss *sessions) takeSecret(s *session, id string) *shownSecret {
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sec := s.secret
	if sec != nil && now.Sub(sec.at) > shownSecretTTL {
		s.secret = nil
		return nil
	}
	if sec == nil || sec.EndpointID != id {
		return nil
	}
	s.secret = nil
	return sec
}
