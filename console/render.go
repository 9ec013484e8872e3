package console

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/enrollhq/enroll"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the page templates; each is parsed with layout.html and
// partials.html into a set of its own.
var pageNames = []string{
	"signin", "overview", "enrollments", "enrollment", "queue", "unavailable", "error", "start", "imports", "import",
	"webhooks", "webhook", "instance", "signedout", "resend",
}

// pageSections says which navigation entry each page belongs to.
var pageSections = map[string]string{
	"overview": "overview", "enrollments": "enrollments", "enrollment": "enrollments", "queue": "queue",
	"imports": "imports", "import": "imports", "webhooks": "webhooks", "webhook": "webhooks",
	"instance": "overview",
}

// parsePages parses every page. A template error is a bug, found by any
// test, so it panics.
func parsePages(a *assets) map[string]*template.Template {
	funcs := templateFuncs(a)
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t := template.New(name).Funcs(funcs)
		out[name] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
	}
	return out
}

// view is what the layout renders; Data is the page's own.
type view struct {
	Title   string
	Section string
	// Viewer is the signed-in key, nil on the sign-in page and on errors
	// shown without a session.
	Viewer *viewer
	// CSRF is the session's token, for every POST form.
	CSRF  string
	Flash string
	Nav   []navLink
	Data  any
}

// viewer describes the signed-in key in the header.
type viewer struct {
	Workspace string
	KeyID     string
	KeyName   string
	KeyPrefix string
	Kind      enroll.KeyKind
	Scopes    []enroll.Scope
	Instances []string
}

// render writes page with data and the layout, or a plain 500 when the
// template fails (a bug). rq is nil when no one is signed in.
func (c *Console) render(w http.ResponseWriter, r *http.Request, rq *request, status int, page, title string, data any) {
	v := view{Title: title, Section: pageSections[page], Data: data}
	if u, ok := data.(unavailableData); ok {
		v.Section = u.Section.ID
	}
	if rq != nil {
		k := rq.key
		v.Viewer = &viewer{Workspace: rq.sess.WorkspaceName, KeyID: k.ID, KeyName: k.Name, KeyPrefix: k.Prefix,
			Kind: k.Kind, Scopes: k.Scopes, Instances: k.ProgramInstanceIDs}
		v.CSRF = rq.sess.CSRF
		if r.Method != http.MethodHead {
			// A HEAD shows no page, so it must not use up the message
			// (link checkers, prefetchers).
			v.Flash = c.sessions.takeFlash(r.Context(), rq.sess)
		}
		v.Nav = c.navFor(rq, v.Section)
	}
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		c.logger.Error("console: rendering page", "page", page, "err", err, "requestId", requestID(r))
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is what the error page shows.
type errorData struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
	// SignIn is the sign-in link shown to someone signed out, with where
	// to come back to; "" means the sign-in page alone.
	SignIn string
}

// renderError shows an error page with status.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, rq *request, status int, heading, msg string) {
	c.render(w, r, rq, status, "error", heading, errorData{Status: status, Heading: heading, Message: msg, RequestID: requestID(r)})
}

// forbidden refuses an action the key's scopes do not allow.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, rq *request, scope enroll.Scope, why string) {
	c.renderError(w, r, rq, http.StatusForbidden, "Not allowed",
		"Your API key lacks the "+string(scope)+" scope, needed to "+why+". Nothing was changed.")
}

// limitedForbidden refuses, to a key limited to program instances, what
// concerns the whole workspace; why says what and why not.
func (c *Console) limitedForbidden(w http.ResponseWriter, r *http.Request, rq *request, why string) {
	c.renderError(w, r, rq, http.StatusForbidden, "Not allowed",
		"Your API key is limited to some program instances, so it may not "+why+". Nothing was changed.")
}

// serverError logs err and shows a page that names the request, so the
// log line can be found; a failure of the database itself gets the page
// of storeFailure.
func (c *Console) serverError(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	if c.storeFailure(w, r, rq, err) {
		return
	}
	c.logger.Error("console: request failed", "method", r.Method, "path", r.URL.Path, "err", err, "requestId", requestID(r))
	c.renderError(w, r, rq, http.StatusInternalServerError, "Something went wrong",
		"The request could not be completed. If it keeps happening, give your operator the request id below.")
}

// storeError shows the page for an error from the store: its message for
// the person's mistakes, a generic page for failures.
func (c *Console) storeError(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	msg := enroll.ErrorMessage(err)
	switch enroll.ErrorCode(err) {
	case enroll.ENOTFOUND:
		c.renderError(w, r, rq, http.StatusNotFound, "Not found", msg)
	case enroll.EINVALID, enroll.EBADREQUEST:
		c.renderError(w, r, rq, http.StatusUnprocessableEntity, "Cannot do that", msg)
	case enroll.ECONFLICT, enroll.EPRECONDITION:
		c.renderError(w, r, rq, http.StatusConflict, "Conflict", msg)
	case enroll.EFORBIDDEN:
		c.renderError(w, r, rq, http.StatusForbidden, "Not allowed", msg)
	default:
		c.serverError(w, r, rq, err)
	}
}

// notFoundPage answers what no route of the console takes: a path it
// does not have (404), or a method its page does not support, such as a
// PUT, or a POST to a page that only shows (405, with the Allow header,
// as the API answers it): that page exists, so a 404 would be untrue.
func (c *Console) notFoundPage(w http.ResponseWriter, r *http.Request) {
	rq, _ := c.resolve(r)
	if rq != nil && !c.admitted(w, r, rq, rq.key.ID) {
		return
	}
	if allow := c.allowedMethods(r); allow != nil {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		c.renderError(w, r, rq, http.StatusMethodNotAllowed, "Method not allowed",
			"The console page at this address does not take a "+r.Method+" request.")
		return
	}
	c.renderError(w, r, rq, http.StatusNotFound, "Not found", "There is no console page at this address.")
}

// allowedMethods returns the methods the routes take at r's path, as an
// Allow header lists them (a GET route takes HEAD too), nil for none.
func (c *Console) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := c.mux.Handler(probe); pattern != "" && pattern != Prefix+"/" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	return allow
}
