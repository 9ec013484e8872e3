// Package console is Enroll's web console for program administrators,
// served under /console by `enroll serve`: an overview of programs and
// their instances with a funnel chart per instance, the enrollment list
// with filters, search and cursor paging, the enrollment detail with its
// eligibility trace, history and events, the review actions and a review
// queue driven by the keyboard, each program instance's page with its
// settings, details, eligibility rules, parameters and groups, and forms
// that change them and test the rules on current enrollments or a sample
// (instance.go, instancedetails.go, instancerules.go, instancelists.go),
// bulk imports (imports.go): upload a CSV or
// NDJSON file, follow the job, download its errors, and webhooks
// (webhooks.go): endpoints, their signing secrets and their deliveries.
//
// Pages are rendered on the server with html/template; the stylesheet, a
// small script and the icon are embedded in the binary, so the console
// needs no network access beyond its own server. People sign in with an
// API key; the console then keeps a server-side session (see session.go)
// and shows and allows exactly what the key's scopes and instance limits
// allow through the API.
package console

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/rules"
)

// Prefix is the path the console is mounted at.
const Prefix = "/console"

// Console is the web console. It is an http.Handler for the paths under
// Prefix; create it with New.
type Console struct {
	store    enroll.Store
	logger   *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	assets   *assets
	mux      *http.ServeMux
	now      func() time.Time

	// imports is the store as an ImportStore, nil when it cannot import
	// (the Imports page then says "not available yet").
	imports enroll.ImportStore
	// importDir is where uploads are spooled ("": the system's temp dir).
	importDir string
	// runImport, when set, runs an import job in the background for the
	// console, as the server runs the API's (WithImportRunner); unset, the
	// console runs it itself (startImport).
	runImport func(a enroll.Actor, im *enroll.Import, dec enroll.RowDecoder, release func())

	// webhooks is the store as a WebhookStore, nil when it keeps no
	// webhooks (the Webhooks page then says "not available yet").
	webhooks enroll.WebhookStore
	// wake, when set, tells the webhook deliverer there is work now.
	wake func()
	// sweepOrphans, when set, wakes the server's sweep of the deliveries
	// a deletion of an endpoint left behind.
	sweepOrphans func()
	// secureCookies marks cookies Secure whatever the request: the console
	// is reached over HTTPS through a proxy that ends TLS.
	secureCookies bool
	// admit, when set, admits each request made with an API key before
	// the console acts on it (WithKeyAdmission).
	admit func(w http.ResponseWriter, r *http.Request, keyID string) time.Duration
	// public is the origin people reach the console at (WithPublicURL):
	// its scheme and host (originHost), nil when not given.
	public *url.URL
	// engine checks and tries draft eligibility rules (WithRuleEngine).
	engine enroll.RuleEngine
	// rulesTestTime bounds a rules test's evaluation of current
	// enrollments (0: enroll.RulesTestTime).
	rulesTestTime time.Duration
	// forms are the paths of every POST form (see form), each of which
	// answers a GET too.
	forms []string
	// redirects are the GET patterns of forms without a page of their
	// own, which only send the browser on (see isPage).
	redirects map[string]bool
}

// New returns the console over store, which also keeps its sessions: a
// person stays signed in across restarts and on every replica.
func New(store enroll.Store) *Console {
	c := &Console{
		store:  store,
		logger: slog.Default(),
		now:    func() time.Time { return time.Now().UTC() },
		assets: loadAssets(),
		engine: rules.New(),
	}
	c.imports, _ = store.(enroll.ImportStore)
	c.webhooks, _ = store.(enroll.WebhookStore)
	c.sessions = newSessions(store, func() time.Time { return c.now() }, func() *slog.Logger { return c.logger })
	c.pages = parsePages(c.assets)
	c.mux = http.NewServeMux()
	c.routes()
	return c
}

// WithLogger sets the logger for errors the console cannot show to the
// person using it, and returns c.
func (c *Console) WithLogger(l *slog.Logger) *Console {
	if l != nil {
		c.logger = l
	}
	return c
}

// WithSealer has the console seal, with s, the new webhook signing
// secrets a session keeps for a few minutes to show them once (nil: kept
// as they are), as the store seals endpoints' secrets, and returns c.
func (c *Console) WithSealer(s enroll.SecretSealer) *Console {
	c.sessions.sealer = s
	return c
}

// WithRuleEngine sets the engine that checks and tries the rules of the
// instance page's Test button, and returns c: the store's and the API's,
// to share their compiled rules (New makes one of its own). nil sets
// nothing.
func (c *Console) WithRuleEngine(e enroll.RuleEngine) *Console {
	if e != nil {
		c.engine = e
	}
	return c
}

// WithWakeWebhooks sets the function that tells the webhook deliverer there
// is work now (a new endpoint, one enabled again, a redelivery) rather than
// at its next poll, as the API's Config.WakeWebhooks does, and returns c.
func (c *Console) WithWakeWebhooks(wake func()) *Console {
	c.wake = wake
	return c
}

// WithSweepOrphanedDeliveries sets the function that wakes the server's
// sweep of the deliveries of deleted webhook endpoints, for a deletion
// that left some behind (enroll.ErrDeliveriesLeft), as the API's
// deletion does, and returns c. Without it they wait for the sweep's
// next round.
func (c *Console) WithSweepOrphanedDeliveries(sweep func()) *Console {
	c.sweepOrphans = sweep
	return c
}

// WithKeyAdmission sets the function that admits every request made
// with an API key (each signed-in request, and a sign-in) before the
// console acts on it, and returns c. The API server's, Server.AdmitKey of
// package enroll/http, names the key in the access log and spends a token
// of the key's rate limit, so that the console's requests count with the
// key's API requests. When the key has no token left, admit returns how
// long to wait, and the console answers 429 without acting.
func (c *Console) WithKeyAdmission(admit func(w http.ResponseWriter, r *http.Request, keyID string) (retryAfter time.Duration)) *Console {
	c.admit = admit
	return c
}

// WithImportRunner makes the console's uploads wait in dir and run as
// jobs of start, which runs a stored job in the background and calls
// release when it ends: package enroll/http's Server.StartImport and
// ImportDir, so that they are run, counted and stopped at shutdown as the
// API's are, in the data directory the server checked. Returns c.
func (c *Console) WithImportRunner(start func(a enroll.Actor, im *enroll.Import, dec enroll.RowDecoder, release func()), dir string) *Console {
	c.runImport, c.importDir = start, dir
	return c
}

// WithSecureCookies marks the console's cookies Secure even on requests
// that did not come over TLS, for a console served over HTTPS by a proxy
// that ends TLS (enroll serve --public-url https://...), and returns c.
func (c *Console) WithSecureCookies(on bool) *Console {
	c.secureCookies = on
	return c
}

// WithPublicURL sets the URL people reach the console at (enroll serve
// --public-url), and returns c. Forms posted from its origin are accepted
// though a proxy passes them on with a Host of its own (its upstream's
// address), and an https:// URL makes the cookies Secure, as
// WithSecureCookies does. A value that is not an absolute http(s) URL
// sets nothing.
func (c *Console) WithPublicURL(raw string) *Console {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c
	}
	c.public = &url.URL{Scheme: u.Scheme, Host: originHost(u.Scheme, u.Host)}
	if u.Scheme == "https" {
		c.secureCookies = true
	}
	return c
}

// routes registers every page. GET and POST handlers that need a signed-in
// person go through c.signedIn, which also checks the CSRF token of every
// POST. Every POST form is registered with c.form, so a GET of its
// address is a page or a redirect to one, never a 404.
func (c *Console) routes() {
	c.mux.HandleFunc("GET "+Prefix+"/assets/{name}", c.serveAsset)
	c.mux.HandleFunc("GET "+Prefix+"/signin", c.signInPage)
	c.form(Prefix+"/signin", http.HandlerFunc(c.signIn), nil)
	c.form(Prefix+"/signout", c.signedIn(c.signOut), back(Prefix+"/", ""))

	c.mux.Handle("GET "+Prefix+"/{$}", c.signedIn(c.home))
	c.mux.Handle("GET "+Prefix+"/enrollments", c.signedIn(c.enrollmentList))
	c.mux.Handle("GET "+Prefix+"/enrollments/{id}", c.signedIn(c.enrollmentDetail))
	c.form(Prefix+"/enrollments/{id}/status", c.signedIn(c.changeStatus), back(Prefix+"/enrollments/{id}", ""))
	c.form(Prefix+"/enrollments/{id}/notes", c.signedIn(c.saveNotes), back(Prefix+"/enrollments/{id}", "notes"))
	c.mux.Handle("GET "+Prefix+"/queue", c.signedIn(c.reviewQueue))
	c.mux.Handle("GET "+Prefix+"/instances/{id}", c.signedIn(c.instancePage))
	c.form(Prefix+"/instances/{id}/settings", c.signedIn(c.saveSettings), back(Prefix+"/instances/{id}", "settings"))
	c.form(Prefix+"/instances/{id}/rules", c.signedInLarge(c.saveRules, maxRulesFormBytes), back(Prefix+"/instances/{id}", "rules"))
	c.form(Prefix+"/instances/{id}/details", c.signedInLarge(c.saveDetails, maxRulesFormBytes), back(Prefix+"/instances/{id}", "details"))
	c.form(Prefix+"/instances/{id}/parameters", c.signedInLarge(c.saveList(parametersList), maxRulesFormBytes), back(Prefix+"/instances/{id}", "parameters"))
	c.form(Prefix+"/instances/{id}/groups", c.signedInLarge(c.saveList(groupsList), maxRulesFormBytes), back(Prefix+"/instances/{id}", "groups"))
	for _, s := range upcoming {
		if c.ready(s) {
			continue
		}
		c.mux.Handle("GET "+s.Path, c.signedIn(c.unavailable(s)))
	}
	if c.imports != nil {
		c.mux.Handle("GET "+Prefix+"/imports", c.signedIn(c.importForm))
		c.form(Prefix+"/imports", c.signedInUpload(c.uploadImport), nil)
		c.mux.Handle("GET "+Prefix+"/imports/{id}", c.signedIn(c.importJob))
		c.mux.Handle("GET "+Prefix+"/imports/{id}/errors.csv", c.signedIn(c.importErrorsCSV))
	}
	if c.webhooks != nil {
		endpoint := Prefix + "/webhooks/{id}"
		c.mux.Handle("GET "+Prefix+"/webhooks", c.signedIn(c.webhookList))
		c.form(Prefix+"/webhooks", c.signedIn(c.createWebhook), nil)
		c.mux.Handle("GET "+endpoint, c.signedIn(c.webhookEndpoint))
		c.form(endpoint, c.signedIn(c.editWebhook), nil)
		c.form(endpoint+"/enabled", c.signedIn(c.enableWebhook), back(endpoint, "state"))
		c.form(endpoint+"/rotate", c.signedIn(c.rotateWebhookSecret), back(endpoint, "rotate"))
		c.form(endpoint+"/delete", c.signedIn(c.deleteWebhook), back(endpoint, "delete"))
		c.form(endpoint+"/deliveries/{delivery}/redeliver", c.signedIn(c.redeliverWebhook), back(endpoint, "{delivery}"))
	}
	c.mux.HandleFunc(Prefix+"/", c.notFoundPage)
}

// form registers h for the POST form at path (a pattern without method).
// A refusal is rendered at the form's address, so that what was typed
// stays on the page; the address may then be reloaded or bookmarked. So a
// GET of it, when it is no page of its own (page nil), redirects to the
// page the form is on, which checks the session and what the key may see.
func (c *Console) form(path string, h http.Handler, page http.HandlerFunc) {
	c.mux.Handle("POST "+path, h)
	c.forms = append(c.forms, path)
	if page != nil {
		c.mux.HandleFunc("GET "+path, page)
		if c.redirects == nil {
			c.redirects = map[string]bool{}
		}
		c.redirects["GET "+path] = true
	}
}

// back redirects (303) to the page at pattern, at fragment ("" for none),
// with the request's path values ({id}) in place of pattern's and
// fragment's wildcards.
func back(pattern, fragment string) http.HandlerFunc {
	fill := func(r *http.Request, s string) string {
		for {
			i := strings.Index(s, "{")
			j := strings.Index(s, "}")
			if i < 0 || j < i {
				return s
			}
			s = s[:i] + url.PathEscape(r.PathValue(s[i+1:j])) + s[j+1:]
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		to := fill(r, pattern)
		if fragment != "" {
			to += "#" + fill(r, fragment)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

// ServeHTTP serves the console. A request for Prefix itself is redirected
// to Prefix + "/".
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	r = withRequestID(w, r)
	if r.URL.Path == Prefix {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// setSecurityHeaders sets the headers every console response carries: a
// strict Content-Security-Policy (only the console's own script and
// stylesheet, no inline code), no framing, no MIME sniffing, and no caching
// of pages that show participants' data. Assets override Cache-Control.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}
