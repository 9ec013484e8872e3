package console

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// shownSecretTTL bounds how long a new signing secret waits in the session
// for the page that shows it (the redirect right after the POST).
const shownSecretTTL = 5 * time.Minute

// maxPendingSecrets bounds how many new secrets, of as many endpoints, wait
// in a session at once; past it, the oldest is dropped unseen (and logged).
// A person adds or rotates a few endpoints in 5 minutes, each page usually
// loaded at once, so the bound is only reached by a script.
const maxPendingSecrets = 10

// maxSecretSwaps bounds the attempts to change a session's pending secrets
// from what was read, when other requests of the session keep changing
// them meanwhile. Each attempt that fails is another request's that was
// made, so only dozens of requests of one session at once exhaust it.
const maxSecretSwaps = 50

// shownSecret is a signing secret that a create or a rotation just made,
// kept in the session between the POST and the page it redirects to, so
// the page shows it once and a reload (or the back button) does not show
// it, nor post the form again. The session keeps one per endpoint, so that
// a second create or rotation (another tab, a redirect that did not load)
// loses none. The session stores them as a JSON list, sealed as the
// endpoints' secrets are when the console has a sealer (WithSealer).
type shownSecret struct {
	EndpointID string `json:"endpointId"`
	Secret     string `json:"secret"`
	// Rotated is set when the secret replaced another, which keeps signing
	// until PreviousExpiresAt.
	Rotated           bool       `json:"rotated,omitempty"`
	PreviousExpiresAt *time.Time `json:"previousExpiresAt,omitempty"`
	At                time.Time  `json:"at"`
}

// pendingSecrets reads the secrets that encoded (the Secret of session
// id) holds and that have not waited too long, and reports whether it
// left any out (too old, or unreadable: sealed under a key the console
// no longer has, say): those are dropped at the next write. A single
// object is read as a list of one, as sessions held them before.
func (ss *sessions) pendingSecrets(id, encoded string) (live []shownSecret, dropped bool) {
	if encoded == "" {
		return nil, false
	}
	if !strings.HasPrefix(encoded, "{") && !strings.HasPrefix(encoded, "[") {
		if ss.sealer == nil {
			return nil, true
		}
		plain, err := ss.sealer.Open(encoded, sessionSecretBinding(id))
		if err != nil {
			ss.logger().Warn("console: a session's new signing secrets cannot be opened; dropped unseen", "error", err)
			return nil, true
		}
		encoded = plain
	}
	var all []shownSecret
	if strings.HasPrefix(encoded, "{") {
		all = make([]shownSecret, 1)
		dropped = json.Unmarshal([]byte(encoded), &all[0]) != nil
	} else {
		dropped = json.Unmarshal([]byte(encoded), &all) != nil
	}
	if dropped {
		return nil, true
	}
	now := ss.now()
	for _, sec := range all {
		if now.Sub(sec.At) > shownSecretTTL {
			dropped = true
			continue
		}
		live = append(live, sec)
	}
	return live, dropped
}

// encodeSecrets is the Secret of session id holding secs, "" for none:
// their JSON, sealed when the console has a sealer.
func (ss *sessions) encodeSecrets(id string, secs []shownSecret) (string, error) {
	if len(secs) == 0 {
		return "", nil
	}
	b, _ := json.Marshal(secs) // strings and times: cannot fail
	if ss.sealer == nil {
		return string(b), nil
	}
	return ss.sealer.Seal(string(b), sessionSecretBinding(id))
}

// sessionSecretBinding is the additional data the secrets waiting in
// session id are sealed with, so that they open in no other session.
func sessionSecretBinding(id string) string { return "console_sessions.secret\x00" + id }

// reread reads s's pending secrets again from the store, after another
// request of the session changed them; false when it cannot.
func (ss *sessions) reread(ctx context.Context, s *session) bool {
	fresh, err := ss.store.FindConsoleSession(ctx, s.ID)
	if err != nil {
		ss.failed(err, "new signing secret")
		return false
	}
	s.Secret = fresh.Secret
	return true
}

// setSecret leaves ep's new secret for the next page of s that shows ep,
// beside those of other endpoints still waiting; one of ep left before
// and not shown yet is replaced (it signs no more than this one). It adds
// it to the list as the store holds it now: when another request of the
// session changed the list since it was read, it reads it again and
// retries, so no secret another request left is lost.
func (ss *sessions) setSecret(ctx context.Context, s *session, ep *enroll.WebhookEndpoint, rotated bool) {
	sec := shownSecret{EndpointID: ep.ID, Secret: ep.Secret, Rotated: rotated, At: ss.now()}
	if rotated {
		sec.PreviousExpiresAt = ep.PreviousSecretExpiresAt
	}
	for range maxSecretSwaps {
		live, _ := ss.pendingSecrets(s.ID, s.Secret)
		live = slices.DeleteFunc(live, func(p shownSecret) bool { return p.EndpointID == ep.ID })
		if n := len(live) + 1 - maxPendingSecrets; n > 0 {
			ss.logger().Warn("console: too many new signing secrets waiting in a session; the oldest is dropped unseen",
				"endpointId", live[0].EndpointID)
			live = live[n:]
		}
		next, err := ss.encodeSecrets(s.ID, append(live, sec))
		if err != nil {
			ss.failed(err, "new signing secret")
			return
		}
		ok, err := ss.store.SwapConsoleSecret(ctx, s.ID, s.Secret, next)
		if err != nil {
			ss.failed(err, "new signing secret")
			return
		}
		if ok {
			s.Secret = next
			return
		}
		if !ss.reread(ctx, s) {
			return
		}
	}
	ss.logger().Error("console: cannot save the session's new signing secret: the session kept changing", "endpointId", ep.ID)
}

// takeSecret returns, once, the secret left for endpoint id, nil when there
// is none or it waited too long. Other endpoints' live secrets are left;
// ones that waited too long (or cannot be read) are dropped. The store
// changes the list only if it is still the one s was read with; when
// another request changed it meanwhile (left another endpoint's secret,
// say), takeSecret reads it again and retries while the same secret is
// still there. So a secret that another request took meanwhile is not
// shown twice, and one that another request left meanwhile is not dropped.
func (ss *sessions) takeSecret(ctx context.Context, s *session, id string) *shownSecret {
	var want *shownSecret
	for range maxSecretSwaps {
		live, dropped := ss.pendingSecrets(s.ID, s.Secret)
		i := slices.IndexFunc(live, func(p shownSecret) bool { return p.EndpointID == id })
		if want != nil && (i < 0 || live[i].Secret != want.Secret) {
			return nil // taken or replaced meanwhile
		}
		if i < 0 && !dropped {
			return nil // nothing to take or drop: write nothing
		}
		var found *shownSecret
		if i >= 0 {
			found = &live[i]
			live = slices.Delete(slices.Clone(live), i, i+1)
		}
		next, err := ss.encodeSecrets(s.ID, live)
		if err != nil {
			// Shown all the same, as when the store fails below.
			ss.failed(err, "new signing secret")
			return found
		}
		ok, err := ss.store.SwapConsoleSecret(ctx, s.ID, s.Secret, next)
		switch {
		case err != nil:
			// The store failed (or the session is gone) and cannot say
			// whether another page took it: the page shows it, since a
			// lost secret can only be rotated.
			ss.failed(err, "new signing secret")
			s.Secret = next
			return found
		case ok:
			s.Secret = next
			return found
		case found == nil:
			return nil // only dropping old ones: the next page will
		}
		want = found
		if !ss.reread(ctx, s) {
			return nil
		}
	}
	return nil
}
