package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
	enrollhttp "github.com/enrollhq/enroll/http"
)

// opCall calls one client method with id for every id it takes. Its
// filters are set, so that the request carries every query parameter of
// its operation.
type opCall struct {
	method string
	call   func(ctx context.Context, c *client.Client, id string) error
}

// first reads the first item of a sequence: the first page's request.
func first[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		return err
	}
	return nil
}

// omitted are the operations of the served document that the client
// leaves out, with the reason: the table must name every operation.
var omitted = map[string]string{
	"getHealth":       "a probe for orchestrators, without authentication",
	"getReadiness":    "a probe for orchestrators, without authentication",
	"showUnsubscribe": "an HTML page for a notification's recipient, opened from the email",
	"unsubscribe":     "the HTML page's button and RFC 8058 one-click, sent by mail clients",
}

// emptyIsAll are the operations whose methods read an empty id as the
// list of every instance rather than refuse it.
var emptyIsAll = map[string]string{
	"listProgramInstanceEnrollments": "ListEnrollments and ExportEnrollments of instance \"\" are listEnrollments'",
}

// otherwise are query parameters that the client sends another way.
var otherwise = map[string]map[string]string{
	"listEnrollments":      {"programInstanceId": "ListEnrollments names the instance in the path: listProgramInstanceEnrollments"},
	"getEnrollmentHistory": {"page": "EnrollmentHistory reads every page, following pageToken", "pageToken": "EnrollmentHistory follows it after the first page"},
}

// operationTable maps every operationId of the API to the client methods
// that send it.
func operationTable() map[string][]opCall {
	var (
		lo     = client.ListOptions{Page: 1, PerPage: 2, PageToken: "token"}
		sorted = client.ListOptions{Page: 1, PerPage: 2, PageToken: "token", Sort: "-createdAt"}
		yes    = true
		eq     = client.EnrollmentQuery{Statuses: []enroll.Status{enroll.StatusEligible}, CustomerID: "c", LeadID: "l", ReferenceID: "r",
			Email: "e@example.com", Tag: "t", ManufacturerSlug: "m", GroupID: "g", CreatedAfter: time.Now(), CreatedBefore: time.Now(),
			UpdatedAfter: time.Now(), Q: "q", ListOptions: sorted}
		iq = client.InstanceQuery{Statuses: []enroll.InstanceStatus{enroll.InstanceActive}, ListOptions: sorted}
	)
	withProgram := func(id string) client.InstanceQuery { q := iq; q.ProgramID = id; return q }
	return map[string][]opCall{
		"createProgram": {
			{"CreateProgram", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.CreateProgram(ctx, &client.ProgramCreate{Slug: "table", Name: "Table"})
				return err
			}},
			{"CreateProgramETag", func(ctx context.Context, c *client.Client, _ string) error {
				_, _, err := c.CreateProgramETag(ctx, &client.ProgramCreate{Slug: "table", Name: "Table"})
				return err
			}},
		},
		"listPrograms": {
			{"ListPrograms", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ListPrograms(ctx, client.ProgramQuery{Active: &yes, ListOptions: sorted})
				return err
			}},
			{"AllPrograms", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllPrograms(ctx, client.ProgramQuery{Active: &yes}))
			}},
		},
		"getProgram": {
			{"GetProgram", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetProgram(ctx, id)
				return err
			}},
			{"GetProgramETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetProgramETag(ctx, id)
				return err
			}},
		},
		"updateProgram": {
			{"UpdateProgram", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateProgram(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
			{"UpdateProgramETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateProgramETag(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
		},
		"deleteProgram": {{"DeleteProgram", func(ctx context.Context, c *client.Client, id string) error { return c.DeleteProgram(ctx, id, "") }}},

		"createProgramInstance": {
			{"CreateInstance", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.CreateInstance(ctx, id, &client.InstanceCreate{Slug: "i", Name: "I"})
				return err
			}},
			{"CreateInstanceETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.CreateInstanceETag(ctx, id, &client.InstanceCreate{Slug: "i", Name: "I"})
				return err
			}},
		},
		"listProgramInstancesOfProgram": {
			{"ListInstancesOfProgram", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListInstancesOfProgram(ctx, id, iq)
				return err
			}},
			{"AllInstancesOfProgram", func(ctx context.Context, c *client.Client, id string) error {
				return first(c.AllInstancesOfProgram(ctx, id, client.InstanceQuery{}))
			}},
		},
		"listProgramInstances": {
			{"ListInstances", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListInstances(ctx, withProgram(id))
				return err
			}},
			{"AllInstances", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllInstances(ctx, client.InstanceQuery{}))
			}},
		},
		"getProgramInstance": {
			{"GetInstance", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetInstance(ctx, id)
				return err
			}},
			{"GetInstanceETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetInstanceETag(ctx, id)
				return err
			}},
		},
		"updateProgramInstance": {
			{"UpdateInstance", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateInstance(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
			{"UpdateInstanceETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateInstanceETag(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
		},
		"deleteProgramInstance": {{"DeleteInstance", func(ctx context.Context, c *client.Client, id string) error { return c.DeleteInstance(ctx, id, "") }}},
		"testEligibilityRules": {{"TestEligibilityRules", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.TestEligibilityRules(ctx, id, &client.EligibilityTestRequest{Current: true})
			return err
		}}},
		"getProgramInstanceStats": {{"GetInstanceStats", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetInstanceStats(ctx, id)
			return err
		}}},

		"createCustomer": {
			{"CreateCustomer", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.CreateCustomer(ctx, &client.CustomerCreate{FirstName: "T", LastName: "Able", Email: "table@example.com"})
				return err
			}},
			{"CreateCustomerETag", func(ctx context.Context, c *client.Client, _ string) error {
				_, _, err := c.CreateCustomerETag(ctx, &client.CustomerCreate{FirstName: "T", LastName: "Able", Email: "table@example.com"})
				return err
			}},
		},
		"listCustomers": {
			{"ListCustomers", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ListCustomers(ctx, client.CustomerQuery{Email: "e@example.com", ReferenceID: "r", ListOptions: sorted})
				return err
			}},
			{"AllCustomers", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllCustomers(ctx, client.CustomerQuery{}))
			}},
		},
		"getCustomer": {
			{"GetCustomer", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetCustomer(ctx, id)
				return err
			}},
			{"GetCustomerETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetCustomerETag(ctx, id)
				return err
			}},
		},
		"updateCustomer": {
			{"UpdateCustomer", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateCustomer(ctx, id, map[string]any{"phone": "1"}, `"x"`)
				return err
			}},
			{"UpdateCustomerETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateCustomerETag(ctx, id, map[string]any{"phone": "1"}, `"x"`)
				return err
			}},
		},
		"deleteCustomer": {{"DeleteCustomer", func(ctx context.Context, c *client.Client, id string) error { return c.DeleteCustomer(ctx, id, "") }}},

		"createLead": {
			{"CreateLead", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.CreateLead(ctx, &client.LeadCreate{Email: "lead@example.com"})
				return err
			}},
			{"CreateLeadETag", func(ctx context.Context, c *client.Client, _ string) error {
				_, _, err := c.CreateLeadETag(ctx, &client.LeadCreate{Email: "lead@example.com"})
				return err
			}},
		},
		"listLeads": {
			{"ListLeads", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ListLeads(ctx, client.LeadQuery{Email: "e@example.com", CustomerID: "c", ListOptions: sorted})
				return err
			}},
			{"AllLeads", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllLeads(ctx, client.LeadQuery{}))
			}},
		},
		"getLead": {
			{"GetLead", func(ctx context.Context, c *client.Client, id string) error { _, err := c.GetLead(ctx, id); return err }},
			{"GetLeadETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetLeadETag(ctx, id)
				return err
			}},
		},
		"updateLead": {
			{"UpdateLead", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateLead(ctx, id, map[string]any{"phone": "1"}, "")
				return err
			}},
			{"UpdateLeadETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateLeadETag(ctx, id, map[string]any{"phone": "1"}, "")
				return err
			}},
		},
		"deleteLead": {{"DeleteLead", func(ctx context.Context, c *client.Client, id string) error { return c.DeleteLead(ctx, id, "") }}},

		"createEnrollment": {
			{"CreateEnrollment", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.CreateEnrollment(ctx, id, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "T", LastName: "Able", Email: "table@example.com"})
				return err
			}},
			{"CreateEnrollmentETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.CreateEnrollmentETag(ctx, id, &enroll.EnrollmentCreate{IdentificationType: enroll.IdentifyByCustomerInfo,
					FirstName: "T", LastName: "Able", Email: "table@example.com"})
				return err
			}},
		},
		"listProgramInstanceEnrollments": {
			{"ListEnrollments", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListEnrollments(ctx, id, eq)
				return err
			}},
			{"AllEnrollments", func(ctx context.Context, c *client.Client, id string) error {
				return first(c.AllEnrollments(ctx, id, client.EnrollmentQuery{}))
			}},
			{"ExportEnrollments", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ExportEnrollments(ctx, id, client.EnrollmentQuery{}, io.Discard)
				return err
			}},
		},
		"listEnrollments": {
			{"ListEnrollments", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ListEnrollments(ctx, "", eq)
				return err
			}},
			{"AllEnrollments", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllEnrollments(ctx, "", client.EnrollmentQuery{}))
			}},
			{"ExportEnrollments", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ExportEnrollments(ctx, "", client.EnrollmentQuery{}, io.Discard)
				return err
			}},
		},
		"getEnrollment": {
			{"GetEnrollment", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetEnrollment(ctx, id)
				return err
			}},
			{"GetEnrollmentETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetEnrollmentETag(ctx, id)
				return err
			}},
		},
		"updateEnrollment": {
			{"UpdateEnrollment", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateEnrollment(ctx, id, map[string]any{"notes": "x"}, "")
				return err
			}},
			{"UpdateEnrollmentETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateEnrollmentETag(ctx, id, map[string]any{"notes": "x"}, "")
				return err
			}},
			{"Transition", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.Transition(ctx, id, enroll.StatusSubmitted, "x", "")
				return err
			}},
			{"TransitionETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.TransitionETag(ctx, id, enroll.StatusSubmitted, "x", "")
				return err
			}},
		},
		"deleteEnrollment": {{"DeleteEnrollment", func(ctx context.Context, c *client.Client, id string) error { return c.DeleteEnrollment(ctx, id, "") }}},
		"evaluateEnrollment": {
			{"EvaluateEnrollment", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.EvaluateEnrollment(ctx, id, "")
				return err
			}},
			{"EvaluateEnrollmentETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.EvaluateEnrollmentETag(ctx, id, "")
				return err
			}},
		},
		"getEnrollmentHistory": {{"EnrollmentHistory", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.EnrollmentHistory(ctx, id)
			return err
		}}},

		"createImport": {{"StartImport", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.StartImport(ctx, id, client.ImportRequest{Format: enroll.FormatCSV, DryRun: true, Body: strings.NewReader("firstName\n")})
			return err
		}}},
		"getImport": {
			{"GetImport", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetImport(ctx, id)
				return err
			}},
			{"WaitImport", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.WaitImport(ctx, id, 0, nil)
				return err
			}},
		},
		"listImportErrors": {
			{"ListImportErrors", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListImportErrors(ctx, id, lo)
				return err
			}},
			{"WriteImportErrorsCSV", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.WriteImportErrorsCSV(ctx, id, io.Discard)
				return err
			}},
		},

		"listEvents": {
			{"ListEvents", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListEvents(ctx, client.EventQuery{Types: []enroll.EventType{enroll.EventEnrollmentCreated}, EnrollmentID: id, After: id, ListOptions: lo})
				return err
			}},
			{"AllEvents", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllEvents(ctx, client.EventQuery{}))
			}},
		},
		"getEvent": {{"GetEvent", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetEvent(ctx, id)
			return err
		}}},

		"createWebhookEndpoint": {
			{"CreateWebhookEndpoint", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.CreateWebhookEndpoint(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/table"})
				return err
			}},
			{"CreateWebhookEndpointETag", func(ctx context.Context, c *client.Client, _ string) error {
				_, _, err := c.CreateWebhookEndpointETag(ctx, &client.WebhookEndpointCreate{URL: "https://hooks.example.com/table"})
				return err
			}},
		},
		"listWebhookEndpoints": {
			{"ListWebhookEndpoints", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.ListWebhookEndpoints(ctx, lo)
				return err
			}},
			{"AllWebhookEndpoints", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllWebhookEndpoints(ctx, client.ListOptions{}))
			}},
		},
		"getWebhookEndpoint": {
			{"GetWebhookEndpoint", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetWebhookEndpoint(ctx, id)
				return err
			}},
			{"GetWebhookEndpointETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetWebhookEndpointETag(ctx, id)
				return err
			}},
		},
		"updateWebhookEndpoint": {
			{"UpdateWebhookEndpoint", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateWebhookEndpoint(ctx, id, map[string]any{"enabled": false}, "")
				return err
			}},
			{"UpdateWebhookEndpointETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateWebhookEndpointETag(ctx, id, map[string]any{"enabled": false}, "")
				return err
			}},
		},
		"deleteWebhookEndpoint": {{"DeleteWebhookEndpoint", func(ctx context.Context, c *client.Client, id string) error {
			return c.DeleteWebhookEndpoint(ctx, id, "")
		}}},
		"rotateWebhookSecret": {{"RotateWebhookSecret", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.RotateWebhookSecret(ctx, id)
			return err
		}}},
		"listWebhookDeliveries": {
			{"ListWebhookDeliveries", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListWebhookDeliveries(ctx, id, client.DeliveryQuery{Status: enroll.DeliveryFailed, EventID: id, ListOptions: lo})
				return err
			}},
			{"AllWebhookDeliveries", func(ctx context.Context, c *client.Client, id string) error {
				return first(c.AllWebhookDeliveries(ctx, id, client.DeliveryQuery{}))
			}},
		},
		"getWebhookDelivery": {{"GetWebhookDelivery", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetWebhookDelivery(ctx, id, id)
			return err
		}}},
		"redeliverWebhook": {{"RedeliverWebhook", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.RedeliverWebhook(ctx, id, id)
			return err
		}}},

		"createNotificationTemplate": {
			{"CreateNotificationTemplate", func(ctx context.Context, c *client.Client, _ string) error {
				_, err := c.CreateNotificationTemplate(ctx, &client.NotificationTemplateCreate{Name: "T", Status: enroll.StatusRejected, Subject: "s", Text: "t"})
				return err
			}},
			{"CreateNotificationTemplateETag", func(ctx context.Context, c *client.Client, _ string) error {
				_, _, err := c.CreateNotificationTemplateETag(ctx, &client.NotificationTemplateCreate{Name: "T", Status: enroll.StatusRejected, Subject: "s", Text: "t"})
				return err
			}},
		},
		"listNotificationTemplates": {
			{"ListNotificationTemplates", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListNotificationTemplates(ctx, client.NotificationTemplateQuery{ProgramInstanceID: id, Status: enroll.StatusApproved, ListOptions: sorted})
				return err
			}},
			{"AllNotificationTemplates", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllNotificationTemplates(ctx, client.NotificationTemplateQuery{}))
			}},
		},
		"getNotificationTemplate": {
			{"GetNotificationTemplate", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetNotificationTemplate(ctx, id)
				return err
			}},
			{"GetNotificationTemplateETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetNotificationTemplateETag(ctx, id)
				return err
			}},
		},
		"updateNotificationTemplate": {
			{"UpdateNotificationTemplate", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.UpdateNotificationTemplate(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
			{"UpdateNotificationTemplateETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.UpdateNotificationTemplateETag(ctx, id, map[string]any{"name": "x"}, "")
				return err
			}},
		},
		"deleteNotificationTemplate": {{"DeleteNotificationTemplate", func(ctx context.Context, c *client.Client, id string) error {
			return c.DeleteNotificationTemplate(ctx, id, "")
		}}},
		"renderNotificationTemplate": {{"RenderNotificationTemplate", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.RenderNotificationTemplate(ctx, id, nil)
			return err
		}}},
		"getNotificationSettings": {
			{"GetNotificationSettings", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.GetNotificationSettings(ctx, id)
				return err
			}},
			{"GetNotificationSettingsETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.GetNotificationSettingsETag(ctx, id)
				return err
			}},
		},
		"putNotificationSettings": {
			{"PutNotificationSettings", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.PutNotificationSettings(ctx, id, &client.NotificationSettingsPut{Enabled: true}, "")
				return err
			}},
			{"PutNotificationSettingsETag", func(ctx context.Context, c *client.Client, id string) error {
				_, _, err := c.PutNotificationSettingsETag(ctx, id, &client.NotificationSettingsPut{Enabled: true}, "")
				return err
			}},
		},
		"listEnrollmentNotifications": {
			{"ListEnrollmentNotifications", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListEnrollmentNotifications(ctx, id, client.NotificationQuery{Status: enroll.NotificationSent, ListOptions: lo})
				return err
			}},
			{"AllEnrollmentNotifications", func(ctx context.Context, c *client.Client, id string) error {
				return first(c.AllEnrollmentNotifications(ctx, id, client.NotificationQuery{}))
			}},
		},

		"createApiKey": {{"CreateAPIKey", func(ctx context.Context, c *client.Client, _ string) error {
			_, err := c.CreateAPIKey(ctx, &client.APIKeyCreate{Name: "table", Scopes: []enroll.Scope{enroll.ScopeEventsRead}})
			return err
		}}},
		"listApiKeys": {
			{"ListAPIKeys", func(ctx context.Context, c *client.Client, id string) error {
				_, err := c.ListAPIKeys(ctx, client.APIKeyQuery{CreatedBy: id, ListOptions: lo})
				return err
			}},
			{"AllAPIKeys", func(ctx context.Context, c *client.Client, _ string) error {
				return first(c.AllAPIKeys(ctx, client.APIKeyQuery{}))
			}},
		},
		"getApiKey": {{"GetAPIKey", func(ctx context.Context, c *client.Client, id string) error {
			_, err := c.GetAPIKey(ctx, id)
			return err
		}}},
		"revokeApiKey": {
			{"RevokeAPIKey", func(ctx context.Context, c *client.Client, id string) error { return c.RevokeAPIKey(ctx, id) }},
			{"RevokeAPIKeyCascade", func(ctx context.Context, c *client.Client, id string) error { return c.RevokeAPIKeyCascade(ctx, id) }},
		},
	}
}

// sent is a request a recording transport saw.
type sent struct {
	method, path string
	query        map[string][]string
}

// requestLog is a transport that records every request it sends.
type requestLog struct {
	mu   sync.Mutex
	reqs []sent
}

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, sent{req.Method, req.URL.Path, req.URL.Query()})
	l.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// take returns the requests recorded since the last take.
func (l *requestLog) take() []sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reqs
	l.reqs = nil
	return r
}

// operation is one operation of the served OpenAPI document.
type operation struct {
	method string
	path   *regexp.Regexp
	params bool // the path names ids
	query  []string
}

// servedOperations reads the server's /openapi.json.
func servedOperations(t *testing.T, baseURL string) map[string]operation {
	t.Helper()
	res, err := http.Get(baseURL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]operation{}
	param := regexp.MustCompile(`\\\{[^/]*\\\}`)
	for path, item := range doc.Paths {
		for method, op := range item {
			if op.OperationID == "" {
				continue // parameters, summary: not an operation
			}
			o := operation{method: strings.ToUpper(method), params: strings.Contains(path, "{"),
				path: regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), "[^/]+") + "$")}
			for _, p := range op.Parameters {
				if p.In == "query" {
					o.query = append(o.query, p.Name)
				}
			}
			ops[op.OperationID] = o
		}
	}
	return ops
}

// TestEveryOperationReachable: every operation of the served OpenAPI
// document has client methods (or is omitted, saying why), each method
// sends its operation, the methods of a list send every query parameter
// the operation takes, and a method given an empty id sends nothing.
func TestEveryOperationReachable(t *testing.T) {
	t.Parallel()
	s := newServer(t, enrollhttp.Config{})
	c := s.client()
	log := &requestLog{}
	c.HTTP = &http.Client{Transport: log}
	ctx := context.Background()
	ops := servedOperations(t, s.srv.URL())
	table := operationTable()
	if len(ops) < 60 {
		t.Fatalf("the served document has %d operations", len(ops))
	}
	for id := range ops {
		if _, ok := table[id]; !ok && omitted[id] == "" {
			t.Errorf("operation %s: no client method in the table, and not omitted", id)
		}
	}
	for id := range table {
		if _, ok := ops[id]; !ok {
			t.Errorf("the table names %s, which the served document lacks", id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(table)) {
		op, ok := ops[id]
		if !ok {
			continue
		}
		got := map[string]bool{}
		for _, m := range table[id] {
			err := m.call(ctx, c, enroll.NewID())
			var p *client.Problem
			if err != nil && !errors.As(err, &p) {
				t.Errorf("%s (%s): %v", m.method, id, err)
			}
			reqs := log.take()
			if len(reqs) == 0 {
				t.Errorf("%s (%s) sent nothing", m.method, id)
			}
			for _, r := range reqs {
				if r.method != op.method || !op.path.MatchString(r.path) {
					t.Errorf("%s sent %s %s, not operation %s (%s %s)", m.method, r.method, r.path, id, op.method, op.path)
				}
				for k := range r.query {
					got[k] = true
				}
			}

			if !op.params || emptyIsAll[id] != "" {
				continue
			}
			err = m.call(ctx, c, "")
			if !errors.Is(err, client.ErrEmptyID) || !strings.Contains(err.Error(), op.method+" /v1/") {
				t.Errorf("%s with an empty id: %v", m.method, err)
			}
			if reqs := log.take(); len(reqs) != 0 {
				t.Errorf("%s with an empty id sent %v", m.method, reqs)
			}
		}
		for _, q := range op.query {
			if !got[q] && otherwise[id][q] == "" {
				t.Errorf("operation %s takes query parameter %s, which no client call sent", id, q)
			}
		}
	}
}
