package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/enrollhq/enroll"
)

// Session cookies and lifetimes.
const (
	// sessionCookie carries the session id: 256 random bits, never the key.
	sessionCookie = "enroll_console"
	// sessionIdle ends a session nobody used for this long.
	sessionIdle = 2 * time.Hour
	// sessionMax ends any session this long after sign-in.
	sessionMax = 12 * time.Hour
	// touchEvery is how often a session records its use, and its key's
	// lastUsedAt.
	touchEvery = time.Minute
)

// session is a signed-in browser. Sessions are kept in the store (so every
// replica knows them and a restart signs nobody out), keyed by a hash of
// the id in the cookie, and the API key is read again on every request
// through KeyHash (the same hash the store indexes keys by), so a revoked
// key loses its sessions at once.
type session = enroll.ConsoleSession

// sweepEvery is how often at most a process removes expired sessions from
// the store, when someone signs in.
const sweepEvery = 10 * time.Minute

// sessions reads and writes sessions in the store.
type sessions struct {
	store  enroll.ConsoleSessionStore
	now    func() time.Time
	logger func() *slog.Logger
	// sealer seals the secrets waiting to be shown (webhooksecret.go);
	// nil keeps them as they are.
	sealer enroll.SecretSealer

	mu        sync.Mutex
	lastSweep time.Time
}

func newSessions(store enroll.ConsoleSessionStore, now func() time.Time, logger func() *slog.Logger) *sessions {
	return &sessions{store: store, now: now, logger: logger}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tableKey is the stored id of a session id: its SHA-256, so the store
// holds nothing a cookie could be rebuilt from.
func tableKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create stores s under a new id and returns the id for the cookie.
func (ss *sessions) create(ctx context.Context, s *session) (string, error) {
	id := randomToken()
	now := ss.now()
	s.ID, s.CreatedAt, s.LastSeenAt, s.CSRF = tableKey(id), now, now, randomToken()
	ss.sweep(ctx, now)
	if err := ss.store.CreateConsoleSession(ctx, s); err != nil {
		return "", err
	}
	return id, nil
}

// sweep removes the expired sessions, at most every sweepEvery per
// process; a failure waits for the next sign-in.
func (ss *sessions) sweep(ctx context.Context, now time.Time) {
	ss.mu.Lock()
	due := now.Sub(ss.lastSweep) >= sweepEvery
	if due {
		ss.lastSweep = now
	}
	ss.mu.Unlock()
	if !due {
		return
	}
	if _, err := ss.store.DeleteExpiredConsoleSessions(ctx, now.Add(-sessionIdle), now.Add(-sessionMax)); err != nil {
		ss.logger().Warn("console: cannot remove expired sessions", "err", err)
	}
}

// get returns the live session with id, or nil when there is none. A
// session records that it was used at most every touchEvery (its idle
// time is measured to that precision), and touched reports that it did,
// so the caller records the key's use too.
func (ss *sessions) get(ctx context.Context, id string) (s *session, touched bool, err error) {
	if id == "" {
		return nil, false, nil
	}
	now := ss.now()
	s, err = ss.store.FindConsoleSession(ctx, tableKey(id))
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case expired(s, now):
		return nil, false, ss.delete(ctx, id)
	case now.Sub(s.LastSeenAt) < touchEvery:
		return s, false, nil
	}
	s.LastSeenAt = now
	if err := ss.store.TouchConsoleSession(ctx, s.ID, now); enroll.ErrorCode(err) == enroll.ENOTFOUND {
		return nil, false, nil // signed out meanwhile
	} else if err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// delete ends the session with id.
func (ss *sessions) delete(ctx context.Context, id string) error {
	return ss.store.DeleteConsoleSession(ctx, tableKey(id))
}

// expired reports whether s has been idle or alive too long.
func expired(s *session, now time.Time) bool {
	return now.Sub(s.LastSeenAt) > sessionIdle || now.Sub(s.CreatedAt) > sessionMax
}

// failed logs err, from writing the session's what (its message or
// secret), unless it is nil or ENOTFOUND (the session was signed out
// meanwhile). Those writes are best effort: a message or secret that
// cannot be kept is logged, and the page after goes without it.
func (ss *sessions) failed(err error, what string) {
	if err != nil && enroll.ErrorCode(err) != enroll.ENOTFOUND {
		ss.logger().Error("console: cannot save the session's "+what, "err", err)
	}
}

// setFlash leaves a one-time message for the next page of s. It writes
// only the message, never the rest of s, so it undoes nothing another
// request of the session wrote since s was read.
func (ss *sessions) setFlash(ctx context.Context, s *session, msg string) {
	s.Flash = msg
	ss.failed(ss.store.SetConsoleFlash(ctx, s.ID, msg), "message")
}

// takeFlash returns and clears the message left for s. When s was read
// with a message, the store takes whatever message is there now, in one
// step, so of two pages of the session only one shows it; when s had none,
// nothing is written (a message left since waits for the next page). When
// the store fails, the page shows the message s was read with.
func (ss *sessions) takeFlash(ctx context.Context, s *session) string {
	msg := s.Flash
	if msg == "" {
		return ""
	}
	s.Flash = ""
	taken, err := ss.store.TakeConsoleFlash(ctx, s.ID)
	if err != nil {
		ss.failed(err, "message")
		return msg
	}
	return taken
}

// cookie returns the session cookie for id: HttpOnly, SameSite=Strict,
// limited to the console's path, Secure when the request came over TLS or
// the console is served over HTTPS by a proxy (WithSecureCookies), and
// without Max-Age, so it ends with the browser session as well.
func (c *Console) cookie(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || c.secureCookies,
	}
}

// clearCookie returns a cookie that deletes name.
func (c *Console) clearCookie(r *http.Request, name string) *http.Cookie {
	ck := c.cookie(r, name, "")
	ck.MaxAge = -1
	return ck
}
