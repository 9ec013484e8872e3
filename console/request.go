package console

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// maxFormBytes bounds POST bodies: the largest form is a 4 KiB note,
// but for the rules form (maxRulesFormBytes).
const maxFormBytes = 64 << 10

// maxRulesFormBytes bounds the rules form's body: as many rules as the
// API takes (enroll.MaxListItems), each a name of up to 256 characters
// and an expression and a reason of up to 4,096, are 845 KB of ASCII,
// and 2.5 MB with every byte percent-encoded. The instance's JSON forms
// (details, parameters, groups) take as much, past the API's 1 MiB
// bodies once percent-encoded.
const maxRulesFormBytes = 4 << 20

// request is a signed-in request: the session and the API key behind it,
// read again from the store for this request.
type request struct {
	sess *session
	key  *enroll.APIKey
	// id is the request's X-Request-Id, recorded with the changes it makes.
	id string
}

// actor is who makes the request's changes, as the API records them.
func (rq *request) actor() enroll.Actor {
	return enroll.Actor{WorkspaceID: rq.key.WorkspaceID, KeyID: rq.key.ID, RequestID: rq.id}
}

// ws is the workspace every read is scoped to.
func (rq *request) ws() string { return rq.key.WorkspaceID }

// has reports whether the key holds every scope in ss.
func (rq *request) has(ss ...enroll.Scope) bool {
	for _, s := range ss {
		if !rq.key.Has(s) {
			return false
		}
	}
	return true
}

// limited returns the key's instance list, nil when it sees every instance.
func (rq *request) limited() []string {
	if len(rq.key.ProgramInstanceIDs) == 0 {
		return nil
	}
	return rq.key.ProgramInstanceIDs
}

// handler is a page that needs a signed-in person.
type handler func(w http.ResponseWriter, r *http.Request, rq *request)

// signedIn resolves the session cookie and the key behind it. Without a
// live session a GET is redirected to the sign-in page (coming back
// afterwards) and a POST is refused. A POST must also carry the session's
// CSRF token, checked here for every form.
func (c *Console) signedIn(h handler) http.Handler { return c.session(h, maxFormBytes) }

// signedInLarge is signedIn for a form that may be larger than
// maxFormBytes, up to limit bytes.
func (c *Console) signedInLarge(h handler, limit int64) http.Handler { return c.session(h, limit) }

// signedInUpload is signedIn for a POST of a multipart file upload: the
// body is not read here (it may be far larger than any form), so the
// handler streams it and checks the CSRF token itself, with uploadCSRF,
// before it acts on the file.
func (c *Console) signedInUpload(h handler) http.Handler { return c.session(h, 0) }

// session is signedIn, a POST's body read up to limit bytes; with limit
// 0, an upload's, it is left to the handler.
func (c *Console) session(h handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, why := c.resolve(r)
		if rq == nil {
			if why == errorWhy && c.storeFailure(w, r, nil, nil) {
				// The database is down: signing in again cannot help.
				return
			}
			if why != errorWhy {
				// The session is gone; a store failure may be passing.
				http.SetCookie(w, c.clearCookie(r, sessionCookie))
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				c.refuseSignedOut(w, r, why, limit)
				return
			}
			c.redirectToSignIn(w, r, why)
			return
		}
		if !c.admitted(w, r, rq, rq.key.ID) {
			return
		}
		if r.Method == http.MethodPost && limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if err := r.ParseForm(); err != nil {
				c.renderError(w, r, rq, http.StatusBadRequest, "Bad request", "The form could not be read.")
				return
			}
			if !c.validCSRF(r, rq.sess) {
				c.renderError(w, r, rq, http.StatusForbidden, "Form refused",
					"This form was not issued to your session (missing or wrong CSRF token). Reload the page and try again; nothing was changed.")
				return
			}
		}
		h(w, r, rq)
	})
}

// admitted admits a request made with key keyID (WithKeyAdmission), or
// answers 429, with Retry-After, and reports false. rq is nil for a
// sign-in.
func (c *Console) admitted(w http.ResponseWriter, r *http.Request, rq *request, keyID string) bool {
	if c.admit == nil {
		return true
	}
	wait := c.admit(w, r, keyID)
	if wait <= 0 {
		return true
	}
	secs := strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", secs)
	}
	msg := "Your API key has made more requests than its rate limit allows, in the console and through the API together. Try again in " + secs + " s."
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		msg += " Nothing was changed."
	}
	c.renderError(w, r, rq, http.StatusTooManyRequests, "Too many requests", msg)
	return false
}

// Reasons a request has no session; signInNotices says them to the person.
const (
	noSession  = ""
	endedWhy   = "ended"
	revokedWhy = "revoked"
	goneWhy    = "gone"
	outWhy     = "out"
	errorWhy   = "error"
)

// signInNotices are the only texts the sign-in page shows from its query,
// so a crafted link cannot put words on the page.
var signInNotices = map[string]string{
	noSession:  "Please sign in.",
	endedWhy:   "Your session has ended. Please sign in again.",
	revokedWhy: "Your API key has been revoked. Sign in with another key.",
	goneWhy:    "Your API key no longer exists. Sign in with another key.",
	outWhy:     "You have signed out.",
	errorWhy:   "Your session could not be checked. Please sign in again.",
}

// resolve returns the request's session and live key, or nil and why not.
func (c *Console) resolve(r *http.Request) (*request, string) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, noSession
	}
	s, touched, err := c.sessions.get(r.Context(), ck.Value)
	if err != nil {
		c.logger.Error("console: cannot read session", "err", err)
		return nil, errorWhy
	}
	if s == nil {
		return nil, endedWhy
	}
	end := func(why string) (*request, string) {
		if err := c.sessions.delete(r.Context(), ck.Value); err != nil {
			c.logger.Warn("console: cannot end session", "err", err)
		}
		return nil, why
	}
	key, err := c.store.FindAPIKeyByHash(r.Context(), s.KeyHash)
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		return end(goneWhy)
	case err != nil:
		c.logger.Error("console: cannot read API key", "keyId", s.KeyID, "err", err)
		return nil, errorWhy
	case key.RevokedAt != nil:
		return end(revokedWhy)
	case key.ID != s.KeyID || key.WorkspaceID != s.WorkspaceID:
		return end(endedWhy)
	}
	if touched {
		c.touch(r.Context(), key.ID)
	}
	return &request{sess: s, key: key, id: requestID(r)}, ""
}

// touch records the key's lastUsedAt, best effort, as the API does.
func (c *Console) touch(ctx context.Context, keyID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := c.store.TouchAPIKey(ctx, keyID, c.now()); err != nil {
		c.logger.Warn("console: cannot record API key use", "keyId", keyID, "err", err)
	}
}

// redirectToSignIn sends a GET to the sign-in page, which brings the
// person back to where they were.
func (c *Console) redirectToSignIn(w http.ResponseWriter, r *http.Request, why string) {
	q := url.Values{"next": {r.URL.RequestURI()}}
	if why != noSession {
		q.Set("why", why)
	}
	http.Redirect(w, r, Prefix+"/signin?"+q.Encode(), http.StatusSeeOther)
}

// refuseSignedOut refuses a POST made without a live session, its body
// read up to limit bytes (0: an upload's, not read). Its sign-in link
// comes back to the page the form was on, where the person can do it
// again, rather than to the overview. When what was typed can be kept
// (keepSignedOut), the page signs in on the spot instead, carrying it,
// and the page after offers to send it again (resendOffer).
func (c *Console) refuseSignedOut(w http.ResponseWriter, r *http.Request, why string, limit int64) {
	next := c.formPage(r)
	q := url.Values{"next": {next}}
	if why != noSession {
		q.Set("why", why)
	}
	d := signedOutData{errorData: errorData{Status: http.StatusForbidden, Heading: "Signed out",
		Message: signInNotices[why] + " Nothing was changed.", RequestID: requestID(r), SignIn: Prefix + "/signin?" + q.Encode()},
		Next: next}
	d.Kept, d.TooLarge = c.keepSignedOut(w, r, limit)
	if d.Kept != nil {
		d.Token = c.signInToken(w, r)
	}
	c.render(w, r, nil, http.StatusForbidden, "signedout", "Signed out", d)
}

// signedOutData is the page refusing a form sent signed out.
type signedOutData struct {
	errorData
	// Kept is what was typed, carried by the page's sign-in form; nil
	// when it is not kept, and TooLarge when it could not be.
	Kept     *keptForm
	TooLarge bool
	// Token is the sign-in form's (renderSignIn), and Next the page the
	// form was on.
	Token, Next string
}

// formPage returns the console page a POST's form was on: the Referer,
// when it is a path of the console at its own origin (ownOrigin), else the
// page of what the form's address acts on (/console/enrollments/{id}/status:
// the enrollment), else the overview.
func (c *Console) formPage(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && c.ownOrigin(r, ref) {
		if p := localPath(ref.RequestURI(), ""); p != "" {
			return p
		}
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), Prefix+"/"), "/", 3)
	if p := localPath(Prefix+"/"+strings.Join(parts[:min(len(parts), 2)], "/"), ""); p != "" && c.isPage(p) {
		return p
	}
	return Prefix + "/"
}

// isPage reports whether a GET of path p shows a page of the console's,
// rather than its "not found" page or a form's redirect to another.
func (c *Console) isPage(p string) bool {
	u, err := url.Parse(p)
	if err != nil {
		return false
	}
	_, pattern := c.mux.Handler(&http.Request{Method: http.MethodGet, URL: u})
	return pattern != "" && pattern != Prefix+"/" && !c.redirects[pattern]
}

// localPath returns p when it is a path inside the console (so redirects
// cannot leave the site), else def.
func localPath(p, def string) string {
	if p == "" || !strings.HasPrefix(p, Prefix+"/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\r\n\t") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	// No "." or ".." segments, escaped or not: /console/..//evil.example
	// resolves to //evil.example's path, outside the console.
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") {
		clean += "/"
	}
	if clean != u.Path || !strings.HasPrefix(clean, Prefix+"/") {
		return def
	}
	return p
}

// requestIDKey is the context key of the request's X-Request-Id.
type requestIDKey struct{}

// withRequestID puts the request's X-Request-Id in its context: the id the
// enclosing server's middleware already set on the response, or a new one
// when the console is served on its own.
func withRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	id := w.Header().Get("X-Request-Id")
	if id == "" {
		id = "req_" + enroll.NewID()
		w.Header().Set("X-Request-Id", id)
	}
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}

// requestID returns the id withRequestID stored.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}
