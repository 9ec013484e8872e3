package http_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// allowed marks a case the rules let through: the operation works in the
// caller's own workspace, or the instance limit does not apply to it. The
// answer must then be neither 401, 403, 404 nor 5xx, and must not mention
// what the caller may not see.
const allowed = 0

// authzRule is the authorization rule of one operation.
type authzRule struct {
	// scope is the scope the operation requires; "" for public operations.
	scope enroll.Scope
	// otherWorkspace is the answer to a valid key of another workspace:
	// 404 for an object of this workspace (never 403: existence does not
	// leak), or allowed for collections, which are the caller's own.
	otherWorkspace int
	// limited is the answer to a key holding every scope but limited to
	// another program instance: 404 for what belongs to an instance, 403
	// for creating instances and for writing programs, allowed for
	// reading what belongs to no instance.
	limited int
}

// authzRules has one rule per operation of the OpenAPI document, by
// operationId. TestAuthorizationMatrix fails for an operation without a
// rule, so a new route must state its rule here.
var authzRules = map[string]authzRule{
	// A program is shared by its instances, those a limited key does not see too.
	"createProgram":                 {enroll.ScopeProgramsWrite, allowed, 403},
	"listPrograms":                  {enroll.ScopeProgramsRead, allowed, allowed},
	"getProgram":                    {enroll.ScopeProgramsRead, 404, allowed},
	"updateProgram":                 {enroll.ScopeProgramsWrite, 404, 403},
	"deleteProgram":                 {enroll.ScopeProgramsWrite, 404, 403},
	"createProgramInstance":         {enroll.ScopeProgramsWrite, 404, 403},
	"listProgramInstancesOfProgram": {enroll.ScopeProgramsRead, 404, allowed},
	"listProgramInstances":          {enroll.ScopeProgramsRead, allowed, allowed},
	"getProgramInstance":            {enroll.ScopeProgramsRead, 404, 404},
	"updateProgramInstance":         {enroll.ScopeProgramsWrite, 404, 404},
	"deleteProgramInstance":         {enroll.ScopeProgramsWrite, 404, 404},
	"testEligibilityRules":          {enroll.ScopeProgramsWrite, 404, 404},
	"getProgramInstanceStats":       {enroll.ScopeProgramsRead, 404, 404},

	"createCustomer": {enroll.ScopeEnrollmentsWrite, allowed, allowed},
	"listCustomers":  {enroll.ScopeEnrollmentsRead, allowed, allowed},
	"getCustomer":    {enroll.ScopeEnrollmentsRead, 404, allowed},
	"updateCustomer": {enroll.ScopeEnrollmentsWrite, 404, allowed},
	"deleteCustomer": {enroll.ScopeEnrollmentsWrite, 404, allowed},
	"createLead":     {enroll.ScopeEnrollmentsWrite, allowed, allowed},
	"listLeads":      {enroll.ScopeEnrollmentsRead, allowed, allowed},
	"getLead":        {enroll.ScopeEnrollmentsRead, 404, allowed},
	"updateLead":     {enroll.ScopeEnrollmentsWrite, 404, allowed},
	"deleteLead":     {enroll.ScopeEnrollmentsWrite, 404, allowed},

	"createEnrollment":               {enroll.ScopeEnrollmentsWrite, 404, 404},
	"listProgramInstanceEnrollments": {enroll.ScopeEnrollmentsRead, 404, 404},
	"listEnrollments":                {enroll.ScopeEnrollmentsRead, allowed, allowed},
	"getEnrollment":                  {enroll.ScopeEnrollmentsRead, 404, 404},
	"updateEnrollment":               {enroll.ScopeEnrollmentsWrite, 404, 404},
	"deleteEnrollment":               {enroll.ScopeEnrollmentsWrite, 404, 404},
	"evaluateEnrollment":             {enroll.ScopeEnrollmentsWrite, 404, 404},
	"getEnrollmentHistory":           {enroll.ScopeEnrollmentsRead, 404, 404},

	"listEvents": {enroll.ScopeEventsRead, allowed, allowed},
	// The fixture's event is its enrollment's creation: the instance's.
	"getEvent": {enroll.ScopeEventsRead, 404, 404},

	"createApiKey": {enroll.ScopeKeysWrite, allowed, allowed},
	"listApiKeys":  {enroll.ScopeKeysWrite, allowed, allowed},
	"getApiKey":    {enroll.ScopeKeysWrite, 404, 404},
	"revokeApiKey": {enroll.ScopeKeysWrite, 404, 404},

	"createImport":     {enroll.ScopeImportsWrite, 404, 404},
	"getImport":        {enroll.ScopeImportsWrite, 404, 404},
	"listImportErrors": {enroll.ScopeImportsWrite, 404, 404},

	// Endpoints receive every event of the workspace: limited keys may not manage them.
	"createWebhookEndpoint": {enroll.ScopeWebhooksWrite, allowed, 403},
	"listWebhookEndpoints":  {enroll.ScopeWebhooksWrite, allowed, 403},
	"getWebhookEndpoint":    {enroll.ScopeWebhooksWrite, 404, 403},
	"updateWebhookEndpoint": {enroll.ScopeWebhooksWrite, 404, 403},
	"deleteWebhookEndpoint": {enroll.ScopeWebhooksWrite, 404, 403},
	"rotateWebhookSecret":   {enroll.ScopeWebhooksWrite, 404, 403},
	"listWebhookDeliveries": {enroll.ScopeWebhooksWrite, 404, 403},
	"getWebhookDelivery":    {enroll.ScopeWebhooksWrite, 404, 403},
	"redeliverWebhook":      {enroll.ScopeWebhooksWrite, 404, 403},

	// The fixture's template is its instance's.
	"createNotificationTemplate":  {enroll.ScopeProgramsWrite, 404, 404},
	"listNotificationTemplates":   {enroll.ScopeProgramsRead, allowed, allowed},
	"getNotificationTemplate":     {enroll.ScopeProgramsRead, 404, 404},
	"updateNotificationTemplate":  {enroll.ScopeProgramsWrite, 404, 404},
	"deleteNotificationTemplate":  {enroll.ScopeProgramsWrite, 404, 404},
	"renderNotificationTemplate":  {enroll.ScopeProgramsRead, 404, 404},
	"getNotificationSettings":     {enroll.ScopeProgramsRead, 404, 404},
	"putNotificationSettings":     {enroll.ScopeProgramsWrite, 404, 404},
	"listEnrollmentNotifications": {enroll.ScopeEnrollmentsRead, 404, 404},

	// Public: the answer is the same whatever the key. For public rules,
	// otherWorkspace is that answer when not 200: the fixture sends no
	// unsubscribe token, which the query requires.
	"showUnsubscribe": {"", 422, 422},
	"unsubscribe":     {"", 422, 422},

	"getHealth":    {"", allowed, allowed},
	"getReadiness": {"", allowed, allowed},
}

// fixture is one object of each kind in the env's workspace, for one
// operation's requests.
type fixture struct {
	e                                                  *env
	program, instance, enrollment, customer, lead, key string
	event, imp, endpoint, delivery                     string
	template                                           string
}

func (e *env) newFixture() *fixture {
	e.t.Helper()
	f := &fixture{e: e, instance: e.manualInstance()}
	f.program = e.do("GET", "/v1/programInstances/"+f.instance, nil).expect(200).obj()["programId"].(string)
	enr := e.enrollIn(f.instance, customerInfo(nil))
	f.enrollment, f.customer = enr["id"].(string), enr["customerId"].(string)
	f.lead = e.do("POST", "/v1/leads", map[string]any{"email": "lead" + uniq() + "@example.com"}).expect(201).obj()["id"].(string)
	f.key = e.do("POST", "/v1/apiKeys", map[string]any{"name": "fixture"}).expect(201).obj()["id"].(string)
	var events struct {
		Data []map[string]any `json:"data"`
	}
	e.do("GET", "/v1/events?type=enrollment.created&enrollmentId="+f.enrollment, nil).expect(200).decode(&events)
	if len(events.Data) != 1 {
		e.t.Fatalf("fixture events = %v", events.Data)
	}
	f.event = events.Data[0]["id"].(string)
	f.imp = e.do("POST", "/v1/programInstances/"+f.instance+"/imports", importCSV(1)).expect(202).obj()["id"].(string)
	f.endpoint, f.delivery = e.webhookDelivery()
	f.template = e.do("POST", "/v1/notificationTemplates", map[string]any{"programInstanceId": f.instance, "name": "Approved",
		"status": "approved", "subject": "Approved", "text": "Hello {{.enrollment.firstName}}"}).expect(201).obj()["id"].(string)
	return f
}

// ids are the fixture's ids, which no other workspace may see.
func (f *fixture) ids() []string {
	return []string{f.program, f.instance, f.enrollment, f.customer, f.lead, f.key, f.event, f.imp, f.endpoint, f.delivery, f.template}
}

// path fills the operation's path template with the fixture's ids.
func (f *fixture) path(t testing.TB, template string) string {
	t.Helper()
	r := strings.NewReplacer("{programId}", f.program, "{instanceId}", f.instance, "{enrollmentId}", f.enrollment,
		"{customerId}", f.customer, "{leadId}", f.lead, "{eventId}", f.event, "{keyId}", f.key, "{importId}", f.imp,
		"{endpointId}", f.endpoint, "{deliveryId}", f.delivery, "{templateId}", f.template)
	p := r.Replace(template)
	if strings.Contains(p, "{") {
		t.Fatalf("%s: a path parameter the fixture does not fill; add it to fixture.path", template)
	}
	return p
}

// body returns a valid request body for the operation (unique where it
// must be), or nil for operations without one.
func (f *fixture) body(t testing.TB, op *huma.Operation) any {
	t.Helper()
	u := uniq()
	bodies := map[string]any{
		"createProgram":         map[string]any{"slug": "p-" + u, "name": "Program"},
		"updateProgram":         map[string]any{"name": "Renamed"},
		"createProgramInstance": map[string]any{"slug": "i-" + u, "name": "Instance"},
		"updateProgramInstance": map[string]any{"name": "Renamed"},
		"testEligibilityRules":  map[string]any{"eligibilityRules": []any{map[string]any{"name": "r", "expression": "true"}}, "enrollment": map[string]any{"firstName": "A"}},
		"createCustomer":        map[string]any{"firstName": "A", "lastName": "B", "email": "c" + u + "@example.com"},
		"updateCustomer":        map[string]any{"phone": "+1555"},
		"createLead":            map[string]any{"email": "l" + u + "@example.com"},
		"updateLead":            map[string]any{"phone": "+1555"},
		"createEnrollment":      customerInfo(nil),
		"updateEnrollment":      map[string]any{"notes": "hello"},
		"createApiKey":          map[string]any{"name": "k-" + u},
		"createImport":          importCSV(2),
		"createWebhookEndpoint": map[string]any{"url": "https://hooks.example.com/" + u},
		"updateWebhookEndpoint": map[string]any{"description": "renamed"},
		"createNotificationTemplate": map[string]any{"programInstanceId": f.instance, "name": "Rejected", "status": "rejected",
			"subject": "Sorry", "text": "{{.reason}}"},
		"updateNotificationTemplate": map[string]any{"subject": "Approved!"},
		"renderNotificationTemplate": map[string]any{"firstName": "Ann"},
		"putNotificationSettings":    map[string]any{"enabled": true, "adminEmails": []string{"ops@example.com"}},
		"unsubscribe":                upload{"application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"},
	}
	b, ok := bodies[op.OperationID]
	if op.RequestBody != nil && !ok {
		t.Fatalf("%s takes a body: add a valid one to fixture.body", op.OperationID)
	}
	return b
}

// operations returns every operation of the document, in a stable order.
func operations(doc *huma.OpenAPI) []*huma.Operation {
	var ops []*huma.Operation
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete, item.Head, item.Options, item.Trace} {
			if op != nil {
				ops = append(ops, op)
			}
		}
	}
	slices.SortFunc(ops, func(a, b *huma.Operation) int { return strings.Compare(a.OperationID, b.OperationID) })
	return ops
}

// TestAuthorizationMatrix walks every operation of the generated OpenAPI
// document with no key, a revoked key, a key of another workspace, a key
// lacking the operation's scope and a key limited to another program
// instance, and checks the answers against authzRules.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ops := operations(e.srv.OpenAPI())
	for _, op := range ops {
		if _, ok := authzRules[op.OperationID]; !ok {
			t.Errorf("%s %s (%s) has no authorization rule: add one to authzRules", op.Method, op.Path, op.OperationID)
		}
	}
	for id := range authzRules {
		if !slices.ContainsFunc(ops, func(op *huma.Operation) bool { return op.OperationID == id }) {
			t.Errorf("authzRules has a rule for %s, which the document lacks", id)
		}
	}

	revoked := e.do("POST", "/v1/apiKeys", map[string]any{"name": "revoked"}).expect(201).obj()
	e.do("DELETE", "/v1/apiKeys/"+revoked["id"].(string), nil).expect(204)
	_, _, otherWorkspace := e.newWorkspace()
	lacking := map[enroll.Scope]string{}
	for _, s := range enroll.AllScopes {
		var rest []string
		for _, o := range enroll.AllScopes {
			if o != s {
				rest = append(rest, string(o))
			}
		}
		lacking[s] = e.scopedKey(rest, nil)
	}
	var every []string
	for _, s := range enroll.AllScopes {
		every = append(every, string(s))
	}
	limited := e.scopedKey(every, []string{e.manualInstance()})

	for _, op := range ops {
		rule, ok := authzRules[op.OperationID]
		if !ok {
			continue
		}
		t.Run(op.OperationID, func(t *testing.T) {
			t.Parallel()
			if got, _ := op.Metadata["enroll:scope"].(enroll.Scope); got != rule.scope {
				t.Fatalf("the route requires scope %q, the rule says %q", got, rule.scope)
			}
			// The instance limit's 403s are the route table's, so that
			// they come before anything about the request is looked at.
			if _, whole := op.Metadata["enroll:wholeWorkspace"]; whole != (rule.limited == http.StatusForbidden) {
				t.Errorf("the route table refuses it to limited keys: %v, the rule's answer to them is %d", whole, rule.limited)
			}
			f := e.newFixture()
			path := f.path(t, op.Path)
			send := func(name, secret string) *response {
				t.Helper()
				return e.do(op.Method, path, f.body(t, op), withKey(secret), withHeader("X-Request-Id", "authz-"+name))
			}
			check := func(name string, r *response, want int, hidden []string) {
				t.Helper()
				switch {
				case want != allowed && r.Status != want:
					t.Errorf("%s: %s %s = %d, want %d; body: %s", name, op.Method, path, r.Status, want, r.Body)
				case want == allowed && (r.Status == 401 || r.Status == 403 || r.Status == 404 || r.Status >= 500):
					t.Errorf("%s: %s %s = %d, want it allowed; body: %s", name, op.Method, path, r.Status, r.Body)
				case want != allowed && r.Status >= 400:
					r.problem()
				}
				for _, id := range hidden {
					// Refusals may echo the path's id; answers must not show others'.
					if want == allowed && bytes.Contains(r.Body, []byte(id)) {
						t.Errorf("%s: %s %s shows %s, which it may not see: %s", name, op.Method, path, id, r.Body)
					}
				}
			}
			if rule.scope == "" {
				want := http.StatusOK
				if rule.otherWorkspace != allowed {
					want = rule.otherWorkspace
				}
				for name, secret := range map[string]string{"no key": "", "revoked key": revoked["secret"].(string), "other workspace": otherWorkspace} {
					check(name, send(name, secret), want, nil)
				}
				return
			}
			// In this order: only the last two may change the fixture.
			check("no key", send("none", ""), http.StatusUnauthorized, nil)
			check("revoked key", send("revoked", revoked["secret"].(string)), http.StatusUnauthorized, nil)
			check("lacking the scope", send("lacking", lacking[rule.scope]), http.StatusForbidden, nil)
			check("other workspace", send("other", otherWorkspace), rule.otherWorkspace, f.ids())
			check("limited to another instance", send("limited", limited), rule.limited, []string{f.instance, f.enrollment, f.event, f.key})
			if rule.limited == http.StatusForbidden {
				// A request that can never succeed is refused as such, not
				// sent to fix its body or query first, as a key lacking the
				// scope is.
				r := e.do(op.Method, path+"?unknown=1", raw(`{"bad`), withKey(limited), withHeader("X-Request-Id", "authz-limited-bad"))
				check("limited to another instance, with a bad body", r, http.StatusForbidden, nil)
			}
		})
	}
}
