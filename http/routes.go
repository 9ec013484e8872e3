package http

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/enrollhq/enroll"
)

// securityScheme names the bearer scheme in the OpenAPI document.
const securityScheme = "bearer"

// Tags group the operations in the OpenAPI document and on /docs.
const (
	tagPrograms    = "Programs"
	tagInstances   = "Program instances"
	tagCustomers   = "Customers"
	tagLeads       = "Leads"
	tagEnrollments = "Enrollments"
	tagEvents      = "Events"
	tagImports     = "Imports"
	tagWebhooks    = "Webhooks"
	tagNotify      = "Notifications"
	tagAPIKeys     = "API keys"
	tagOperations  = "Operations"
)

var apiTags = []*huma.Tag{
	{Name: tagPrograms, Description: "An organization's general offerings, such as a utility rebate program."},
	{Name: tagInstances, Description: "A program's concrete offerings (a year, a territory): where enrollments live, with eligibility rules, parameters and groups."},
	{Name: tagCustomers, Description: "Known participants. Email is unique per workspace."},
	{Name: tagLeads, Description: "Prospective participants, known by any contact field."},
	{Name: tagEnrollments, Description: "A participant's enrollment in a program instance and its status workflow: candidate → eligible/ineligible → submitted → approved/rejected/needs_action → paused/unenrolled."},
	{Name: tagEvents, Description: "Every change, newest first, for other systems to follow. Kept forever, unless the server runs with --event-retention: then an event older than that, once no pending delivery or notification needs it, is deleted (a 404), as are finished webhook deliveries and notifications; enrollment histories are kept forever."},
	{Name: tagImports, Description: "Bulk import of enrollments from CSV or NDJSON files, run in the background; export is the enrollment lists with Accept: text/csv."},
	{Name: tagWebhooks, Description: "Endpoints that receive every event as a signed POST (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature), retried with backoff for three days, in order per enrollment, with every attempt listed."},
	{Name: tagNotify, Description: "Email to participants and administrators when an enrollment's status changes: templates per program instance and status (with workspace defaults), each instance's settings, and every message sent, skipped or failed."},
	{Name: tagAPIKeys, Description: "Secret and scoped keys of the workspace."},
	{Name: tagOperations, Description: "Liveness and readiness probes, without authentication."},
}

// route is one line of the route table.
type route struct {
	method  string
	path    string
	id      string // operationId
	summary string
	tag     string
	// scope is required of the caller's key; "" means no authentication.
	scope enroll.Scope
	// status is the success status when it is not Huma's default (200, or
	// 204 without a body).
	status int
	// errors lists the error statuses besides those every operation has
	// (everyStatus), those every authenticated one has (401, 403, 429) and
	// those Huma adds (422, 500).
	errors []int
	// register registers the handler for the finished operation.
	register func(huma.API, huma.Operation)
}

// routes is the route table: every operation of the API, in document order.
func (s *Server) routes() []route {
	const (
		pr  = enroll.ScopeProgramsRead
		pw  = enroll.ScopeProgramsWrite
		er  = enroll.ScopeEnrollmentsRead
		ew  = enroll.ScopeEnrollmentsWrite
		evr = enroll.ScopeEventsRead
		kw  = enroll.ScopeKeysWrite
		iw  = enroll.ScopeImportsWrite
		ww  = enroll.ScopeWebhooksWrite
	)
	var (
		created = http.StatusCreated
		// 408: Huma reads a body for at most 5 s.
		withBody   = []int{400, 408, 413, 415}
		withBodyID = []int{400, 404, 408, 413, 415}
	)
	return []route{
		{"POST", "/v1/programs", "createProgram", "Create a program", tagPrograms, pw, created, append(withBody, 409), handle(s, s.createProgram)},
		{"GET", "/v1/programs", "listPrograms", "List programs", tagPrograms, pr, 0, nil, handle(s, s.listPrograms)},
		{"GET", "/v1/programs/{programId}", "getProgram", "Get a program by id or slug", tagPrograms, pr, 0, []int{404}, handle(s, s.getProgram)},
		{"PATCH", "/v1/programs/{programId}", "updateProgram", "Update a program (JSON merge patch)", tagPrograms, pw, 0, append(withBodyID, 409, 412), handle(s, s.updateProgram)},
		{"DELETE", "/v1/programs/{programId}", "deleteProgram", "Delete a program without instances", tagPrograms, pw, 0, []int{404, 409, 412}, handle(s, s.deleteProgram)},

		{"POST", "/v1/programs/{programId}/instances", "createProgramInstance", "Create a program instance", tagInstances, pw, created, append(withBodyID, 409), handle(s, s.createInstance)},
		{"GET", "/v1/programs/{programId}/instances", "listProgramInstancesOfProgram", "List a program's instances", tagInstances, pr, 0, []int{404}, handle(s, s.listProgramInstances)},
		{"GET", "/v1/programInstances", "listProgramInstances", "List program instances", tagInstances, pr, 0, nil, handle(s, s.listInstances)},
		{"GET", "/v1/programInstances/{instanceId}", "getProgramInstance", "Get a program instance", tagInstances, pr, 0, []int{404}, handle(s, s.getInstance)},
		{"PATCH", "/v1/programInstances/{instanceId}", "updateProgramInstance", "Update a program instance (JSON merge patch)", tagInstances, pw, 0, append(withBodyID, 409, 412), handle(s, s.updateInstance)},
		{"DELETE", "/v1/programInstances/{instanceId}", "deleteProgramInstance", "Delete a program instance without enrollments", tagInstances, pw, 0, []int{404, 409, 412}, handle(s, s.deleteInstance)},
		{"POST", "/v1/programInstances/{instanceId}/eligibility:test", "testEligibilityRules", "Try eligibility rules on a sample and on current enrollments", tagInstances, pw, 0, append(withBodyID, 422), handle(s, s.testEligibility)},
		{"GET", "/v1/programInstances/{instanceId}/stats", "getProgramInstanceStats", "Count a program instance's enrollments per status", tagInstances, pr, 0, []int{404}, handle(s, s.instanceStats)},

		{"POST", "/v1/customers", "createCustomer", "Create a customer", tagCustomers, ew, created, append(withBody, 409), handle(s, s.createCustomer)},
		{"GET", "/v1/customers", "listCustomers", "List customers", tagCustomers, er, 0, nil, handle(s, s.listCustomers)},
		{"GET", "/v1/customers/{customerId}", "getCustomer", "Get a customer", tagCustomers, er, 0, []int{404}, handle(s, s.getCustomer)},
		{"PATCH", "/v1/customers/{customerId}", "updateCustomer", "Update a customer (JSON merge patch)", tagCustomers, ew, 0, append(withBodyID, 409, 412), handle(s, s.updateCustomer)},
		{"DELETE", "/v1/customers/{customerId}", "deleteCustomer", "Delete a customer without enrollments", tagCustomers, ew, 0, []int{404, 409, 412}, handle(s, s.deleteCustomer)},

		{"POST", "/v1/leads", "createLead", "Create a lead", tagLeads, ew, created, withBody, handle(s, s.createLead)},
		{"GET", "/v1/leads", "listLeads", "List leads", tagLeads, er, 0, nil, handle(s, s.listLeads)},
		{"GET", "/v1/leads/{leadId}", "getLead", "Get a lead", tagLeads, er, 0, []int{404}, handle(s, s.getLead)},
		{"PATCH", "/v1/leads/{leadId}", "updateLead", "Update a lead (JSON merge patch)", tagLeads, ew, 0, append(withBodyID, 412), handle(s, s.updateLead)},
		{"DELETE", "/v1/leads/{leadId}", "deleteLead", "Delete a lead without enrollments", tagLeads, ew, 0, []int{404, 409, 412}, handle(s, s.deleteLead)},

		{"POST", "/v1/programInstances/{instanceId}/enrollments", "createEnrollment", "Enroll a participant in a program instance", tagEnrollments, ew, created, append(withBodyID, 409), handle(s, s.createEnrollment)},
		{"GET", "/v1/programInstances/{instanceId}/enrollments", "listProgramInstanceEnrollments", "List a program instance's enrollments, or export them as CSV", tagEnrollments, er, 0, []int{404}, negotiated[*enroll.Page[*enroll.Enrollment]](enrollmentsCSVDoc, handle(s, s.listInstanceEnrollmentsOrCSV))},
		{"GET", "/v1/enrollments", "listEnrollments", "List enrollments across program instances, or export them as CSV", tagEnrollments, er, 0, nil, negotiated[*enroll.Page[*enroll.Enrollment]](enrollmentsCSVDoc, handle(s, s.listEnrollmentsOrCSV))},
		{"GET", "/v1/enrollments/{enrollmentId}", "getEnrollment", "Get an enrollment, with its ETag", tagEnrollments, er, 0, []int{404}, handle(s, s.getEnrollment)},
		{"PATCH", "/v1/enrollments/{enrollmentId}", "updateEnrollment", "Change an enrollment's data and/or status (JSON merge patch)", tagEnrollments, ew, 0, append(withBodyID, 409, 412), handle(s, s.updateEnrollment)},
		{"DELETE", "/v1/enrollments/{enrollmentId}", "deleteEnrollment", "Delete an enrollment and its history", tagEnrollments, ew, 0, []int{404, 412}, handle(s, s.deleteEnrollment)},
		{"POST", "/v1/enrollments/{enrollmentId}/evaluate", "evaluateEnrollment", "Run the instance's eligibility rules on an enrollment now", tagEnrollments, ew, 0, []int{404, 409, 412}, handle(s, s.evaluateEnrollment)},
		{"GET", "/v1/enrollments/{enrollmentId}/history", "getEnrollmentHistory", "List an enrollment's status changes, oldest first", tagEnrollments, er, 0, []int{404}, handle(s, s.enrollmentHistory)},

		{"POST", "/v1/programInstances/{instanceId}/imports", "createImport", "Import enrollments from a CSV or NDJSON file", tagImports, iw, http.StatusAccepted, []int{400, 404, 408, 409, 413, 415, 507}, documented(documentImportBody, handle(s, s.createImport))},
		{"GET", "/v1/imports/{importId}", "getImport", "Get an import job: status, counters and first errors", tagImports, iw, 0, []int{404}, handle(s, s.getImport)},
		{"GET", "/v1/imports/{importId}/errors", "listImportErrors", "List every error of an import job, as JSON or CSV", tagImports, iw, 0, []int{404}, negotiated[*enroll.Page[enroll.ImportError]](importErrorsCSVDoc, handle(s, s.listImportErrors))},

		{"GET", "/v1/events", "listEvents", "List events, newest first", tagEvents, evr, 0, nil, handle(s, s.listEvents)},
		{"GET", "/v1/events/{eventId}", "getEvent", "Get an event", tagEvents, evr, 0, []int{404}, handle(s, s.getEvent)},

		{"POST", "/v1/webhookEndpoints", "createWebhookEndpoint", "Create a webhook endpoint; its signing secret is shown only here", tagWebhooks, ww, created, withBody, handle(s, s.createWebhookEndpoint)},
		{"GET", "/v1/webhookEndpoints", "listWebhookEndpoints", "List webhook endpoints, without secrets", tagWebhooks, ww, 0, nil, handle(s, s.listWebhookEndpoints)},
		{"GET", "/v1/webhookEndpoints/{endpointId}", "getWebhookEndpoint", "Get a webhook endpoint, without its secret", tagWebhooks, ww, 0, []int{404}, handle(s, s.getWebhookEndpoint)},
		{"PATCH", "/v1/webhookEndpoints/{endpointId}", "updateWebhookEndpoint", "Update a webhook endpoint (JSON merge patch)", tagWebhooks, ww, 0, append(withBodyID, 412), handle(s, s.updateWebhookEndpoint)},
		{"DELETE", "/v1/webhookEndpoints/{endpointId}", "deleteWebhookEndpoint", "Delete a webhook endpoint and its deliveries", tagWebhooks, ww, 0, []int{404, 412}, handle(s, s.deleteWebhookEndpoint)},
		{"POST", "/v1/webhookEndpoints/{endpointId}/rotateSecret", "rotateWebhookSecret", "Replace the signing secret; the old one keeps signing for 24 hours", tagWebhooks, ww, 0, []int{404}, documented(documentRotate, handle(s, s.rotateWebhookSecret))},
		{"GET", "/v1/webhookEndpoints/{endpointId}/deliveries", "listWebhookDeliveries", "List an endpoint's deliveries with every attempt, newest first", tagWebhooks, ww, 0, []int{404}, handle(s, s.listWebhookDeliveries)},
		{"GET", "/v1/webhookEndpoints/{endpointId}/deliveries/{deliveryId}", "getWebhookDelivery", "Get a delivery with every attempt", tagWebhooks, ww, 0, []int{404}, handle(s, s.getWebhookDelivery)},
		{"POST", "/v1/webhookEndpoints/{endpointId}/deliveries/{deliveryId}/redeliver", "redeliverWebhook", "Send a delivery's event again, now (a 409 for a delivery still pending, which is sent in order, or for a disabled endpoint, which must be enabled first)", tagWebhooks, ww, http.StatusAccepted, []int{404, 409}, handle(s, s.redeliverWebhook)},

		{"POST", "/v1/notificationTemplates", "createNotificationTemplate", "Create a notification template for an instance and status, or a workspace default", tagNotify, pw, created, append(withBody, 404, 409), handle(s, s.createNotificationTemplate)},
		{"GET", "/v1/notificationTemplates", "listNotificationTemplates", "List notification templates", tagNotify, pr, 0, nil, handle(s, s.listNotificationTemplates)},
		{"GET", "/v1/notificationTemplates/{templateId}", "getNotificationTemplate", "Get a notification template", tagNotify, pr, 0, []int{404}, handle(s, s.getNotificationTemplate)},
		{"PATCH", "/v1/notificationTemplates/{templateId}", "updateNotificationTemplate", "Update a notification template (JSON merge patch)", tagNotify, pw, 0, append(withBodyID, 409, 412), handle(s, s.updateNotificationTemplate)},
		{"DELETE", "/v1/notificationTemplates/{templateId}", "deleteNotificationTemplate", "Delete a notification template", tagNotify, pw, 0, []int{404, 412}, handle(s, s.deleteNotificationTemplate)},
		{"POST", "/v1/notificationTemplates/{templateId}/render", "renderNotificationTemplate", "Preview a template on an enrollment or a sample", tagNotify, pr, 0, withBodyID, documented(documentRender, handle(s, s.renderNotificationTemplate))},
		{"GET", "/v1/programInstances/{instanceId}/notificationSettings", "getNotificationSettings", "Get an instance's notification settings", tagNotify, pr, 0, []int{404}, handle(s, s.getNotificationSettings)},
		{"PUT", "/v1/programInstances/{instanceId}/notificationSettings", "putNotificationSettings", "Replace an instance's notification settings: on/off, administrator emails, link", tagNotify, pw, 0, append(withBodyID, 412), handle(s, s.putNotificationSettings)},
		{"GET", "/v1/enrollments/{enrollmentId}/notifications", "listEnrollmentNotifications", "List the notifications of an enrollment's status changes, newest first", tagNotify, er, 0, []int{404}, handle(s, s.listEnrollmentNotifications)},

		{"POST", "/v1/apiKeys", "createApiKey", "Create an API key; its secret is shown only here", tagAPIKeys, kw, created, withBodyID, handle(s, s.createAPIKey)},
		{"GET", "/v1/apiKeys", "listApiKeys", "List the API keys this key could have made (all, for a secret key), without secrets", tagAPIKeys, kw, 0, nil, handle(s, s.listAPIKeys)},
		{"GET", "/v1/apiKeys/{keyId}", "getApiKey", "Get an API key, without its secret", tagAPIKeys, kw, 0, []int{404}, handle(s, s.getAPIKey)},
		{"DELETE", "/v1/apiKeys/{keyId}", "revokeApiKey", "Revoke an API key at once; with cascade=true also every key it made", tagAPIKeys, kw, 0, []int{404}, handle(s, s.revokeAPIKey)},

		{"GET", "/unsubscribe", "showUnsubscribe", "A page to confirm unsubscribing from non-essential notifications, without authentication", tagNotify, "", 0, nil, documented(htmlPage, handle(s, s.showUnsubscribe))},
		{"POST", "/unsubscribe", "unsubscribe", "Unsubscribe from non-essential notifications (the page's button, and RFC 8058 one-click), without authentication", tagNotify, "", 0, nil, documented(htmlPage, handle(s, s.unsubscribe))},

		{"GET", "/healthz", "getHealth", "Liveness: the process serves HTTP", tagOperations, "", 0, nil, handle(s, s.healthz)},
		{"GET", "/readyz", "getReadiness", "Readiness: the database answers", tagOperations, "", 0, []int{503}, handle(s, s.readyz)},
	}
}

// Why a key limited to program instances is refused what concerns every
// instance of the workspace (403), by the route table (wholeWorkspace) and
// by the handlers alike.
const (
	limitedProgramsWhy  = "This API key is limited to program instances; a program is shared by all of its instances, so such a key cannot create, change or delete programs."
	limitedInstancesWhy = "This API key is limited to program instances and cannot create new ones."
	limitedWebhooksWhy  = "This API key is limited to program instances; webhook endpoints receive every event of the workspace."
)

// wholeWorkspace holds, by operationId, the operations a key limited to
// program instances can never use, with why not: what they act on is
// shared by every instance, those the key does not see included.
// authenticate refuses them (403) where it refuses a missing scope, before
// any parameter or body is read, so such a key is not sent to fix a body
// for a request that cannot succeed. Operations where it depends on the
// object (a workspace default notification template) are refused by their
// handlers.
var wholeWorkspace = map[string]string{
	"createProgram": limitedProgramsWhy, "updateProgram": limitedProgramsWhy, "deleteProgram": limitedProgramsWhy,
	"createProgramInstance": limitedInstancesWhy,
	"createWebhookEndpoint": limitedWebhooksWhy, "listWebhookEndpoints": limitedWebhooksWhy,
	"getWebhookEndpoint": limitedWebhooksWhy, "updateWebhookEndpoint": limitedWebhooksWhy,
	"deleteWebhookEndpoint": limitedWebhooksWhy, "rotateWebhookSecret": limitedWebhooksWhy,
	"listWebhookDeliveries": limitedWebhooksWhy, "getWebhookDelivery": limitedWebhooksWhy,
	"redeliverWebhook": limitedWebhooksWhy,
}

// everyStatus lists the errors any request may get before it reaches its
// operation, whatever the operation (withRouting, withRecover): a URL
// holding NUL or, decoded, bytes that are not UTF-8 (400), a compressed
// body or a +json media type other than JSON's, even on a GET or DELETE
// (415), headers over maxHeaderBytes (431), and a panic (500).
var everyStatus = []int{http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestHeaderFieldsTooLarge,
	http.StatusInternalServerError}

// registerRoutes registers the route table with Huma.
func (s *Server) registerRoutes() {
	for _, r := range s.routes() {
		op := huma.Operation{
			OperationID:   r.id,
			Method:        r.method,
			Path:          r.path,
			Summary:       r.summary,
			Tags:          []string{r.tag},
			DefaultStatus: r.status,
			Errors:        append(append([]int{}, r.errors...), everyStatus...),
			MaxBodyBytes:  maxBodyBytes,
		}
		if r.scope != "" {
			op.Description = "Requires the `" + string(r.scope) + "` scope."
			op.Security = []map[string][]string{{securityScheme: {}}}
			op.Metadata = map[string]any{scopeMetadata: r.scope}
			if why := wholeWorkspace[r.id]; why != "" {
				op.Description += " A key limited to program instances is refused (403)."
				op.Metadata[wholeWorkspaceMetadata] = why
			}
			// 400: a malformed query string (or, where one is read, body);
			// 422: a query parameter the operation does not take
			// (checkQueryParameters).
			// 503: the store does not answer (enroll.StoreDown).
			op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
				http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable)
			if r.method == http.MethodPost {
				// Idempotency-Key: a retry while the first runs (409), a
				// body past the limit, which the key makes the middleware
				// read even where the operation takes none (413), a key
				// reused for another request (422).
				op.Parameters = append(op.Parameters, idempotencyKeyParam())
				op.Errors = append(op.Errors, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
				if !slices.Contains(op.Errors, http.StatusRequestTimeout) {
					// A body slower than 5 s, where the operation takes
					// none too (refuseBody).
					op.Errors = append(op.Errors, http.StatusRequestTimeout)
				}
			}
		} else {
			// Every operation is described, these too (linters flag an
			// operation without a description).
			op.Description = "Needs no API key."
		}
		r.register(s.api, op)
	}
	s.documentMergePatch()
	s.documentOneClick()
	s.documentHeaders()
	s.documentParameters()
}

// documentParameters declares no parameter nullable: Huma declares every
// list nullable, but a URL cannot carry null, and a generated client
// would offer to send it.
func (s *Server) documentParameters() {
	for _, item := range s.api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				if p.Schema != nil {
					p.Schema.Nullable = false
				}
			}
		}
	}
}

// Response headers the middleware sends, as the OpenAPI document
// declares them.
var (
	requestIDDoc = &huma.Header{Description: "The request's id: the client's X-Request-Id when it sent a usable one (1 to 128 printable ASCII characters, " +
		"in one field, or repeated alike in several), else a new one. History entries, events and logs record it.", Schema: &huma.Schema{Type: huma.TypeString}}
	wwwAuthenticateDoc = &huma.Header{Description: "How to authenticate: `Bearer realm=\"enroll\"`, an API key's secret as a bearer token.",
		Schema: &huma.Schema{Type: huma.TypeString}}
	// rateLimitDocs are sent on every answer to an authenticated request
	// when rate limiting is on (rateLimit).
	rateLimitDocs = map[string]*huma.Header{
		"RateLimit-Limit": {Description: "How many requests the API key may make at once (its burst). " +
			"This and the other RateLimit headers are sent when the server limits request rates, as it does by default.", Schema: intSchema()},
		"RateLimit-Remaining": {Description: "How many more requests the API key may make at once now.", Schema: intSchema()},
		"RateLimit-Reset": {Description: "Seconds until the API key's allowance is whole again; on a 429, until it may make a request again.",
			Schema: intSchema()},
		"RateLimit-Policy": {Description: "The limit, as `burst;w=seconds`: the burst, and the seconds the sustained rate takes to make it up.",
			Schema: &huma.Schema{Type: huma.TypeString, Examples: []any{"200;w=2"}}},
	}
	rateRetryAfterDoc = &huma.Header{Description: "Seconds until the API key may make a request again.", Schema: intSchema()}
	idemRetryAfterDoc = &huma.Header{Description: "Sent when a request with the same Idempotency-Key is still running: " +
		"seconds after which to retry.", Schema: intSchema()}
	unavailableRetryAfterDoc = &huma.Header{Description: "Seconds to wait before trying again: the database did not answer.",
		Schema: intSchema()}
	noSniffDoc = &huma.Header{Description: "`nosniff`: the media type is the one to read the body as, never guessed from it.",
		Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{noSniff}}}
	noStoreDoc = &huma.Header{Description: "`no-store`: no cache may keep the answer, which holds personal data or a secret shown once. " +
		"The API answers no conditional GET (an ETag serves If-Match), so a kept copy could not be revalidated.",
		Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{noStore}}}
	replayedDoc = &huma.Header{Description: "`true` when the response is the one kept for an earlier request with the same " +
		"Idempotency-Key, sent again without doing the work again.", Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{"true"}}}
)

func intSchema() *huma.Schema { return &huma.Schema{Type: huma.TypeInteger, Minimum: new(float64)} }

// documentHeaders declares the response headers the middleware sends
// (X-Request-Id, X-Content-Type-Options and Cache-Control on every
// response, SPEC §8 and withNoSniffNoStore; WWW-Authenticate, the rate
// limit's, Retry-After, Idempotent-Replayed where they are sent), and
// gives every declared header a description: Huma puts a header field's
// doc in its schema. Huma declares an output's headers on the default
// status only; a handler that answers another status with the same
// output (an HTML page's 404) sends them there too.
func (s *Server) documentHeaders() {
	for _, item := range s.api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op == nil {
				continue
			}
			outputHeaders := op.Responses[strconv.Itoa(op.DefaultStatus)].Headers
			_, authenticated := op.Metadata[scopeMetadata]
			for code, r := range op.Responses {
				if r.Headers == nil {
					r.Headers = map[string]*huma.Header{}
				}
				if _, problem := r.Content["application/problem+json"]; !problem && code != strconv.Itoa(op.DefaultStatus) {
					for name, h := range outputHeaders {
						r.Headers[name] = h
					}
				}
				r.Headers[requestIDHeader] = requestIDDoc
				r.Headers["X-Content-Type-Options"] = noSniffDoc
				if r.Headers["Cache-Control"] == nil {
					// The unsubscribe page declares its own, saying why.
					r.Headers["Cache-Control"] = noStoreDoc
				}
				// OpenAPI ignores a response header named Content-Type
				// (the media type is the content's key): an HTML page's
				// output sets it, but declaring it says nothing.
				delete(r.Headers, "Content-Type")
				for _, h := range r.Headers {
					if h.Description == "" && h.Schema != nil {
						h.Description, h.Schema.Description = h.Schema.Description, ""
					}
				}
				status, _ := strconv.Atoi(code)
				if !authenticated {
					continue
				}
				switch status {
				case http.StatusUnauthorized:
					// Refused before the rate limit is consulted.
					r.Headers["WWW-Authenticate"] = wwwAuthenticateDoc
					continue
				case http.StatusRequestHeaderFieldsTooLarge:
					continue // refused before authentication
				case http.StatusTooManyRequests:
					r.Headers["Retry-After"] = rateRetryAfterDoc
				case http.StatusServiceUnavailable:
					r.Headers["Retry-After"] = unavailableRetryAfterDoc
				case http.StatusConflict:
					if op.Method == http.MethodPost {
						r.Headers["Retry-After"] = idemRetryAfterDoc
					}
				}
				for name, h := range rateLimitDocs {
					r.Headers[name] = h
				}
				if op.Method == http.MethodPost && status < 500 && status != http.StatusForbidden && status != http.StatusTooManyRequests {
					// Any answer kept for a key is replayed: those after
					// authentication and the rate limit, but a 5xx.
					r.Headers[headerReplayed] = replayedDoc
				}
			}
		}
	}
}

// handle adapts a handler to Huma, converting every error it returns to a
// Problem in one place.
func handle[I, O any](s *Server, h func(context.Context, *I) (*O, error)) func(huma.API, huma.Operation) {
	return func(api huma.API, op huma.Operation) {
		huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
			out, err := h(ctx, in)
			if err != nil {
				return nil, s.problemFor(ctx, err)
			}
			return out, nil
		})
	}
}

// documentMergePatch gives the application/merge-patch+json request bodies
// (declared by the PATCH operations' raw body) the same schema as their
// application/json form: both are accepted and mean the same.
func (s *Server) documentMergePatch() {
	for _, item := range s.api.OpenAPI().Paths {
		op := item.Patch
		if op == nil || op.RequestBody == nil {
			continue
		}
		if js, ok := op.RequestBody.Content["application/json"]; ok {
			if mp, ok := op.RequestBody.Content["application/merge-patch+json"]; ok {
				mp.Schema = js.Schema
			}
		}
	}
}
