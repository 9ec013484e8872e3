package console

import "github.com/enrollhq/enroll"

// section is one entry of the navigation. A section that is not Ready is a
// feature not built yet: its page says so instead of showing fake controls.
// Adding a feature means writing its handler and setting Ready.
type section struct {
	// ID names the section; pages say which section they belong to.
	ID    string
	Label string
	Path  string
	// Scopes are the scopes a key needs to see the section (all of them).
	Scopes []enroll.Scope
	// AllInstances is set for a section a key limited to program instances
	// may not use, whatever its scopes, as in the API.
	AllInstances bool
	// Ready is false for features that do not exist yet.
	Ready bool
	// Issue is the tracker issue that will build a section not Ready.
	Issue int
	// Blurb says what the section will do, on its "not available" page.
	Blurb string
}

// sections is the navigation, in order.
var sections = []section{
	{ID: "overview", Label: "Overview", Path: Prefix + "/", Scopes: []enroll.Scope{enroll.ScopeProgramsRead}, Ready: true},
	{ID: "queue", Label: "Review queue", Path: Prefix + "/queue", Scopes: []enroll.Scope{enroll.ScopeEnrollmentsRead}, Ready: true},
	{ID: "enrollments", Label: "Enrollments", Path: Prefix + "/enrollments", Scopes: []enroll.Scope{enroll.ScopeEnrollmentsRead}, Ready: true},
	{ID: "imports", Label: "Imports", Path: Prefix + "/imports", Scopes: []enroll.Scope{enroll.ScopeImportsWrite}, Issue: 6, // ready with an ImportStore
		Blurb: "Upload a CSV or NDJSON file of enrollments into a program instance, watch its progress and download the rows that failed."},
	// Webhooks: an endpoint receives every event of the workspace, so a key
	// limited to program instances may not manage them.
	{ID: "webhooks", Label: "Webhooks", Path: Prefix + "/webhooks", Scopes: []enroll.Scope{enroll.ScopeWebhooksWrite}, AllInstances: true, // ready with a WebhookStore
		Blurb: "Manage webhook endpoints, rotate their signing secrets, and see recent deliveries and failures."},
}

// upcoming lists the sections that are not built yet (Imports and Webhooks
// among them: they work only over a store that implements them, see
// Console.ready).
var upcoming = func() []section {
	var out []section
	for _, s := range sections {
		if !s.Ready {
			out = append(out, s)
		}
	}
	return out
}()

// navLink is a navigation entry as the layout shows it.
type navLink struct {
	Label   string
	Path    string
	Current bool
	Soon    bool
}

// ready reports whether section s works with this console: Imports and
// Webhooks are built, but need a store that keeps them (enroll.ImportStore,
// enroll.WebhookStore).
func (c *Console) ready(s section) bool {
	return s.Ready || (s.ID == "imports" && c.imports != nil) || (s.ID == "webhooks" && c.webhooks != nil)
}

// allows reports whether rq's key may use section s: it holds every scope
// the section needs and, for a section of the whole workspace, sees every
// program instance.
func (rq *request) allows(s section) bool {
	return rq.has(s.Scopes...) && (!s.AllInstances || rq.limited() == nil)
}

// navFor returns the sections the key may see, marking current.
func (c *Console) navFor(rq *request, current string) []navLink {
	var out []navLink
	for _, s := range sections {
		if rq.allows(s) {
			out = append(out, navLink{Label: s.Label, Path: s.Path, Current: s.ID == current, Soon: !c.ready(s)})
		}
	}
	return out
}
