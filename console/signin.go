package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// signInData is what the sign-in page shows.
type signInData struct {
	// Token is the form's CSRF token, also set in signInCookie.
	Token string
	// Next is where to go after signing in.
	Next string
	// Notice explains why the person is here (session ended, signed out).
	Notice string
	// Error says why the last attempt failed.
	Error string
}

// signInPage shows the sign-in form, or goes on at once when the browser
// already has a live session.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"), Prefix+"/")
	if rq, _ := c.resolve(r); rq != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	notice := ""
	if why := r.URL.Query().Get("why"); why != noSession {
		notice = signInNotices[why]
	}
	c.renderSignIn(w, r, http.StatusOK, signInData{Next: next, Notice: notice})
}

// signInTokenAge is how long the sign-in form's token lives after the form
// was last shown.
const signInTokenAge = time.Hour

// renderSignIn renders the form with the browser's token in the form and
// in signInCookie (a double-submit token: no session exists yet to bind it
// to). A token the browser already holds is kept, so that a form in
// another tab still signs in; a new one is made otherwise.
func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, d signInData) {
	d.Token = c.signInToken(w, r)
	c.render(w, r, nil, status, "signin", "Sign in", d)
}

// signInToken returns the token of a sign-in form, set in signInCookie
// too: the browser's, when it holds one, else a new one.
func (c *Console) signInToken(w http.ResponseWriter, r *http.Request) string {
	token := randomToken()
	if pre, _ := r.Cookie(signInCookie); pre != nil && len(pre.Value) == len(token) {
		token = pre.Value
	}
	ck := c.cookie(r, signInCookie, token)
	ck.MaxAge = int(signInTokenAge / time.Second)
	http.SetCookie(w, ck)
	return token
}

// signIn checks the posted API key and starts a session. The secret is
// only hashed and looked up; it is never stored or put in the cookie.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInFormBytes)
	if err := r.ParseForm(); err != nil {
		c.renderError(w, r, nil, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	next := localPath(r.PostFormValue("next"), Prefix+"/")
	pre, _ := r.Cookie(signInCookie)
	if pre == nil || !c.sameOrigin(r) || !tokensEqual(r.PostFormValue(csrfField), pre.Value) {
		c.renderSignIn(w, r, http.StatusForbidden, signInData{Next: next,
			Error: "The sign-in form expired or did not come from this site. Please try again (cookies must be enabled)."})
		return
	}
	secret := strings.TrimSpace(r.PostFormValue("secret"))
	refuse := func(msg string) {
		c.renderSignIn(w, r, http.StatusUnauthorized, signInData{Next: next, Error: msg})
	}
	if !enroll.LooksLikeSecret(secret) {
		refuse("Invalid API key.")
		return
	}
	key, err := c.store.FindAPIKeyByHash(r.Context(), enroll.HashSecret(secret))
	switch {
	case enroll.ErrorCode(err) == enroll.ENOTFOUND:
		refuse("Invalid API key.")
		return
	case err != nil:
		c.serverError(w, r, nil, err)
		return
	case key.RevokedAt != nil:
		refuse("This API key has been revoked.")
		return
	}
	if !c.admitted(w, r, nil, key.ID) {
		return
	}
	ws, err := c.store.FindWorkspace(r.Context(), key.WorkspaceID)
	if err != nil {
		c.serverError(w, r, nil, err)
		return
	}
	// A new id at every sign-in: a session id planted before it is useless.
	if old, err := r.Cookie(sessionCookie); err == nil {
		if err := c.sessions.delete(r.Context(), old.Value); err != nil {
			c.logger.Warn("console: cannot end the previous session", "err", err)
		}
	}
	s := &session{KeyID: key.ID, KeyHash: key.Hash, WorkspaceID: key.WorkspaceID, WorkspaceName: ws.Name}
	id, err := c.sessions.create(r.Context(), s)
	if err != nil {
		c.serverError(w, r, nil, err)
		return
	}
	c.touch(r.Context(), key.ID)
	http.SetCookie(w, c.cookie(r, sessionCookie, id))
	http.SetCookie(w, c.clearCookie(r, signInCookie))
	if k := c.keptFromSignIn(r.PostForm); k != nil {
		// A form refused signed out, carried through the sign-in: offer
		// it to be sent again, as typed, with the new session's token.
		c.render(w, r, &request{sess: s, key: key, id: requestID(r)}, http.StatusOK, "resend", "Send your form again",
			resendData{Kept: k, Next: next})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut ends the session (the form carries its CSRF token, checked by
// signedIn) and forgets the cookie.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, rq *request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.sessions.delete(r.Context(), ck.Value); err != nil {
			c.serverError(w, r, rq, err)
			return
		}
	}
	http.SetCookie(w, c.clearCookie(r, sessionCookie))
	http.Redirect(w, r, Prefix+"/signin?why="+outWhy, http.StatusSeeOther)
}
