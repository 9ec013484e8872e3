package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Session cookies and lifetimes.
const (
	// sessionCookie carries the session id: 256 random bits, never the key.
	sessionCookie = "enroll_console"
	// sessionIdle ends a session nobody used for this long.
	sessionIdle = 2 * time.Hour
	// sessionMax ends any session this long after sign-in.
	sessionMax = 12 * time.Hour
	// touchEvery is how often a session records its key's lastUsedAt.
	touchEvery = time.Minute
	// maxSessions bounds the memory sessions take; the oldest are dropped
	// first. Only holders of a valid key can create sessions.
	maxSessions = 10000
)

// session is a signed-in browser. The console keeps sessions in memory,
// keyed by a hash of the id in the cookie, and re-reads the API key on
// every request through keyHash (the same hash the store indexes keys by),
// so a revoked key loses its sessions at once.
type session struct {
	keyID         string
	keyHash       string
	workspaceID   string
	workspaceName string
	// csrf is the synchronizer token every POST form of the session carries.
	csrf    string
	created time.Time

	// Guarded by sessions.mu.
	lastSeen time.Time
	touched  time.Time
	flash    string
	// secret is a webhook signing secret waiting to be shown once.
	secret *shownSecret
}

// sessions is the in-memory session table.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, now: now}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tableKey is the map key of a session id: its SHA-256, so the table holds
// nothing a cookie could be rebuilt from and lookups do not compare raw ids.
func tableKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create stores s under a new id and returns the id for the cookie.
func (ss *sessions) create(s *session) string {
	id := randomToken()
	now := ss.now()
	s.created, s.lastSeen, s.touched, s.csrf = now, now, now, randomToken()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.sweepLocked(now)
	ss.m[tableKey(id)] = s
	return id
}

// get returns the live session with id, or nil, and marks it used.
func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	now := ss.now()
	k := tableKey(id)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[k]
	if s == nil {
		return nil
	}
	if ss.expired(s, now) {
		delete(ss.m, k)
		return nil
	}
	s.lastSeen = now
	return s
}

// delete ends the session with id.
func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, tableKey(id))
}

// expired reports whether s has been idle or alive too long.
func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.lastSeen) > sessionIdle || now.Sub(s.created) > sessionMax
}

// sweepLocked drops expired sessions and, past maxSessions, the oldest.
func (ss *sessions) sweepLocked(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, s := range ss.m {
		if ss.expired(s, now) {
			delete(ss.m, k)
			continue
		}
		if oldestKey == "" || s.created.Before(oldest) {
			oldestKey, oldest = k, s.created
		}
	}
	if len(ss.m) >= maxSessions && oldestKey != "" {
		delete(ss.m, oldestKey)
	}
}

// setFlash leaves a one-time message for the next page of s.
func (ss *sessions) setFlash(s *session, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.flash = msg
}

// takeFlash returns and clears the message left for s.
func (ss *sessions) takeFlash(s *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	msg := s.flash
	s.flash = ""
	return msg
}

// dueTouch reports whether s should record its key's use now, and if so
// remembers that it did.
func (ss *sessions) dueTouch(s *session) bool {
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if now.Sub(s.touched) < touchEvery {
		return false
	}
	s.touched = now
	return true
}

// cookie returns the session cookie for id: HttpOnly, SameSite=Strict,
// limited to the console's path, Secure when the request came over TLS,
// and without Max-Age, so it ends with the browser session as well.
func cookie(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// clearCookie returns a cookie that deletes name.
func clearCookie(r *http.Request, name string) *http.Cookie {
	c := cookie(r, name, "")
	c.MaxAge = -1
	return c
}
